#!/usr/bin/env python3
"""Checks the kernels of a tiny float32 sm_90 artifact one by one on the GPU
(CuPy loads the PTX module) against NumPy references, on random inputs.

  kernel_check.py ARTIFACT_DIR      e.g. .device/art/tiny-f32.gpt2c
"""
import json
import math
import sys

import cupy as cp
import numpy as np

art = sys.argv[1]
manifest = json.load(open(f"{art}/manifest.json"))
plan = json.load(open(f"{art}/launch_plan.json"))
model = manifest["model"]
E, H, C, V = model["n_embd"], model["n_head"], model["n_positions"], model["vocab_size"]
D = E // H
rng = np.random.default_rng(0)
module = cp.RawModule(path=f"{art}/decode.ptx")
first = {}
for launch in plan["phases"]["decode"]["launches"]:
    first.setdefault(launch["kernel"], launch)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def run(kernel, grid, block, args):
    module.get_function(kernel)(grid, (block, 1, 1), args)
    cp.cuda.runtime.deviceSynchronize()


def report(name, got, want):
    err = float(np.max(np.abs(np.asarray(got) - np.asarray(want))))
    print(f"{name:24s} max abs error {err:.3e} (reference max {float(np.max(np.abs(want))):.3e})")


def layer_norm(x, g, b):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-5) * g + b


def gelu(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


P = 5
params = cp.asarray(np.array([1, 1, P, 0], np.int32))
# embed
wte, wpe = rand(V, E), rand(C, E)
ids = cp.asarray(np.array([7], np.int32))
out = cp.zeros(E, cp.float32)
run("k0_embed", (1, 1, 1), 256, (params, ids, cp.asarray(wte), cp.asarray(wpe), out))
report("embed", out.get(), wte[7] + wpe[P])

# products: each gemv launch by its argument list
for name, launch in first.items():
    if not name.endswith("_gemv"):
        continue
    kinds = [a["kind"] for a in launch["args"]]
    n = launch["grid"][0]["times"]
    has_cache = kinds.count("cache") == 2
    tensor = manifest["weights"]["slots"][launch["args"][2]["slot"]]["tensor"]
    k = 4 * E if tensor.endswith("mlp.c_proj.weight") else E
    x, w = rand(1, k), rand(n, k)
    args = [params, cp.asarray(x), cp.asarray(w)]
    has_bias = kinds.count("weight") >= 2
    norm = kinds.count("weight") == 4
    xin = x
    if has_bias:
        b = rand(n)
        args.append(cp.asarray(b))
    if norm:
        g, bb = rand(k), rand(k)
        args += [cp.asarray(g), cp.asarray(bb)]
        xin = layer_norm(x, g, bb)
    ref = xin @ w.T
    if has_bias:
        ref = ref + b
    if tensor.endswith("c_fc.weight"):
        ref = gelu(ref)
    residual = kinds.count("scratch") == 3
    res = rand(1, n)
    if residual:
        args.append(cp.asarray(res))
        ref = ref + res
    out = cp.zeros((1, n), cp.float32)
    args.append(out)
    caches = [cp.zeros((1, H, C, D), cp.float32) for _ in range(2)] if has_cache else []
    args += caches
    cpb = launch["grid"][0]["divide"]
    run(name, ((n + cpb - 1) // cpb, 1, 1), launch["block"][0], tuple(args))
    report(f"{name} {tensor}", out.get(), ref)
    if has_cache:
        report(f"{name} key cache", caches[0].get()[0, :, P, :], ref[0, E:2 * E].reshape(H, D))
        report(f"{name} value cache", caches[1].get()[0, :, P, :], ref[0, 2 * E:].reshape(H, D))

# layer norm
for name in first:
    if name.endswith("_layer_norm"):
        x, g, b = rand(1, E), rand(E), rand(E)
        out = cp.zeros((1, E), cp.float32)
        run(name, (1, 1, 1), 256, (params, cp.asarray(x), cp.asarray(g), cp.asarray(b), out))
        report(name, out.get(), layer_norm(x, g, b))

# attention: one query at position P over keys [0, P], split in chunks whose last
# block to finish merges them; run twice per length, so that a counter the first
# launch failed to set back to zero shows in the second
attention = [n for n in first if n.endswith("attention_decode")][0]
splits = first[attention]["grid"][1]["times"]
counters = cp.zeros(H, cp.uint32)
for past in (P, C // 2 - 1, C // 2, C - 1):  # one chunk, then two
    step = cp.asarray(np.array([1, 1, past, 0], np.int32))
    qkv = rand(1, 3 * E)
    keys, values = rand(1, H, C, D), rand(1, H, C, D)
    q = qkv[0, :E].reshape(H, D)
    ref = np.zeros((H, D), np.float32)
    for h in range(H):
        s = keys[0, h, :past + 1] @ q[h] / math.sqrt(D)
        p = np.exp(s - s.max())
        ref[h] = (p / p.sum()) @ values[0, h, :past + 1]
    for attempt in (1, 2):
        partial = cp.zeros(H * splits * (D + 2), cp.float32)
        out = cp.zeros((1, E), cp.float32)
        run(attention, (H, splits, 1), first[attention]["block"][0],
            (step, cp.asarray(qkv), cp.asarray(keys), cp.asarray(values), partial, counters, out))
        report(f"attention (decode) P={past} run {attempt}", out.get().reshape(H, D), ref)
    left = int(counters.get().max())
    print(f"attention (decode) P={past} counters after: max {left} ({'zero' if left == 0 else 'NOT ZERO'})")

# --- prefill kernels: T tokens at past P --------------------------------------------
prefill = cp.RawModule(path=f"{art}/prefill.ptx")
pfirst = {}
for launch in plan["phases"]["prefill"]["launches"]:
    pfirst.setdefault(launch["kernel"], launch)
for T, P in ((3, 0), (5, 2), (70, 0)):
    params = cp.asarray(np.array([1, T, P, 0], np.int32))
    flash = [n for n in pfirst if n.endswith("_attention")][0]
    qkv = rand(T, 3 * E)
    keys, values = rand(1, H, C, D), rand(1, H, C, D)
    out = cp.zeros((T, E), cp.float32)
    block_q = pfirst[flash]["grid"][1]["divide"]
    prefill.get_function(flash)((H, (T + block_q - 1) // block_q, 1), (pfirst[flash]["block"][0], 1, 1),
                                (params, cp.asarray(qkv), cp.asarray(keys), cp.asarray(values), out))
    cp.cuda.runtime.deviceSynchronize()
    ref = np.zeros((T, E), np.float32)
    for t in range(T):
        for h in range(H):
            q = qkv[t, h * D:(h + 1) * D]
            s = keys[0, h, :P + t + 1] @ q / math.sqrt(D)
            p = np.exp(s - s.max())
            ref[t, h * D:(h + 1) * D] = (p / p.sum()) @ values[0, h, :P + t + 1]
    report(f"flash attention T={T} P={P}", out.get(), ref)
    # the last query of each sequence (pruned last layer)
    attention = [n for n in pfirst if n.endswith("attention_decode")][0]
    splits = pfirst[attention]["grid"][1]["times"]
    partial = cp.zeros(H * splits * (D + 2), cp.float32)
    counters = cp.zeros(H, cp.uint32)
    last = cp.zeros((1, E), cp.float32)
    prefill.get_function(attention)((H, splits, 1), (pfirst[attention]["block"][0], 1, 1),
                                    (params, cp.asarray(qkv), cp.asarray(keys), cp.asarray(values),
                                     partial, counters, last))
    cp.cuda.runtime.deviceSynchronize()
    report(f"last-query attention T={T} P={P}", last.get()[0], ref[T - 1])
    gather = [n for n in pfirst if n.endswith("gather_last")][0]
    x = rand(T, E)
    row = cp.zeros((1, E), cp.float32)
    prefill.get_function(gather)((1, 1, 1), (256, 1, 1), (params, cp.asarray(x), row))
    cp.cuda.runtime.deviceSynchronize()
    report(f"gather_last T={T}", row.get()[0], x[T - 1])
    # the QKV product of every token, caches at P + t
    qkv_kernel = pfirst[[n for n in pfirst if n.endswith("_gemv")][0]]
    x, w, b, g, bb = rand(T, E), rand(3 * E, E), rand(3 * E), rand(E), rand(E)
    out = cp.zeros((T, 3 * E), cp.float32)
    caches = [cp.zeros((1, H, C, D), cp.float32) for _ in range(2)]
    cpb = qkv_kernel["grid"][0]["divide"]
    prefill.get_function(qkv_kernel["kernel"])(((3 * E + cpb - 1) // cpb, T, 1), (qkv_kernel["block"][0], 1, 1),
        (params, cp.asarray(x), cp.asarray(w), cp.asarray(b), cp.asarray(g), cp.asarray(bb), out, *caches))
    cp.cuda.runtime.deviceSynchronize()
    ref = layer_norm(x, g, bb) @ w.T + b
    report(f"qkv gemv T={T}", out.get(), ref)
    report(f"qkv key cache T={T}", caches[0].get()[0, :, P:P + T, :].transpose(1, 0, 2).reshape(T, E), ref[:, E:2 * E])
