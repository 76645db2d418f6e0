#!/usr/bin/env python3
"""Checks the prefill kernels of a 16-bit sm_90 artifact on the GPU against
NumPy at long prompts: the tensor-core product over several 64-row tiles and
the flash attention at the model's head size (CuPy loads the PTX).

  kernel_check_tc.py ARTIFACT_DIR [T ...]     e.g. .device/art/gpt2-bf16.gpt2c 14 200 1024
"""
import json
import math
import sys

import cupy as cp
import numpy as np
import torch

art = sys.argv[1]
lengths = [int(t) for t in sys.argv[2:]] or [14, 65, 200, 1024]
manifest = json.load(open(f"{art}/manifest.json"))
plan = json.load(open(f"{art}/launch_plan.json"))
m = manifest["model"]
E, H, C = m["n_embd"], m["n_head"], m["n_positions"]
D = E // H
phase = plan["phases"]["score"]
module = cp.RawModule(path=f"{art}/{phase['module']}")
rng = np.random.default_rng(1)
first = {}
for launch in phase["launches"]:
    first.setdefault(launch["kernel"].split("_", 1)[1], launch)
slot_of = lambda launch, i: manifest["weights"]["slots"][launch["args"][i]["slot"]]
dtype = slot_of(first["gemm"], 2)["dtype"]
torch_type = torch.bfloat16 if dtype == "bf16" else torch.float16


def round16(a):
    return torch.from_numpy(np.ascontiguousarray(a)).to(torch_type).float().numpy()


def as16(a):
    return cp.asarray(torch.from_numpy(np.ascontiguousarray(a)).to(torch_type).view(torch.int16).numpy())


def report(name, got, want):
    err = float(np.max(np.abs(got - want)))
    print(f"{name:40s} max abs error {err:.3e} (reference max {float(np.max(np.abs(want))):.3e})")


for T in lengths:
    params = cp.asarray(np.array([1, T, 0, 0], np.int32))
    # the QKV product with bias (no residual): out = x W^T + b
    launch = first["gemm"]
    n = launch["grid"][0]["times"]
    k = {3 * E: E, 4 * E: E}.get(n, E)
    x = rng.standard_normal((T, k)).astype(np.float32)
    w = (rng.standard_normal((n, k)) * 0.05).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    out = cp.zeros((T, n), cp.float32)
    kinds = [a["kind"] for a in launch["args"]]
    args = [params, cp.asarray(x), as16(w)]
    if kinds.count("weight") >= 2:
        args.append(cp.asarray(b))
    args.append(out)
    grid = (-(-n // launch["grid"][0]["divide"]), -(-T // launch["grid"][1]["divide"]), 1)
    module.get_function(launch["kernel"])(grid, tuple(launch["block"]), tuple(args))
    cp.cuda.runtime.deviceSynchronize()
    ref = round16(x) @ round16(w).T + (b if kinds.count("weight") >= 2 else 0)
    report(f"gemm {launch['kernel']} T={T} N={n} K={k}", out.get(), ref)

# flash attention over the caches, with P keys already there: on tensor cores
# (attention_mma, f16 operands whatever the weights) the reference rounds as the
# kernel does (base-2 scores of the rounded scaled queries and keys, rounded
# probabilities times rounded values); the error against the exact float64
# softmax is printed beside it.
kind = "attention_mma" if "attention_mma" in first else "attention"
launch = first[kind]
block_q = launch["grid"][1]["divide"]


def check_flash(T, P):
    step = cp.asarray(np.array([1, T, P, 0], np.int32))
    qkv = rng.standard_normal((T, 3 * E)).astype(np.float32)
    keys = rng.standard_normal((1, H, C, D)).astype(np.float32)
    values = rng.standard_normal((1, H, C, D)).astype(np.float32)
    out = cp.zeros((T, E), cp.float32)
    module.get_function(launch["kernel"])((H, -(-T // block_q), 1), (launch["block"][0], 1, 1),
                                          (step, cp.asarray(qkv), cp.asarray(keys),
                                           cp.asarray(values), out))
    cp.cuda.runtime.deviceSynchronize()
    q = qkv[:, :E].reshape(T, H, D).transpose(1, 0, 2).astype(np.float64)
    k, v = keys[0, :, :P + T].astype(np.float64), values[0, :, :P + T].astype(np.float64)
    future = np.arange(P + T)[None, :] > (P + np.arange(T))[:, None]

    def softmax_attention(q, k, v, exp, rounded):
        s = np.einsum("htd,hsd->hts", q, k)
        s[:, future] = -np.inf
        p = exp(s - s.max(-1, keepdims=True))
        o = np.einsum("hts,hsd->htd", rounded(p), v) / p.sum(-1, keepdims=True)
        return o.transpose(1, 0, 2).reshape(T, E)

    exact = softmax_attention(q / math.sqrt(D), k, v, np.exp, lambda p: p)
    got = out.get()
    if kind == "attention_mma":
        r = lambda a: a.astype(np.float16).astype(np.float64)
        modelled = softmax_attention(r(q / math.sqrt(D) / math.log(2)), r(k), r(v), np.exp2, r)
        report(f"tensor-core flash attention T={T} P={P} D={D}", got, modelled)
    report(f"flash attention T={T} P={P} D={D}, exact", got, exact)


for T in lengths:
    if T <= C:
        check_flash(T, 0)
check_flash(min(300, C - 100), 100)

# decode attention at the model's head size: one query over P + 1 keys, in
# chunks whose last block to finish merges them (1, 2, 4 and 16 chunks of 64),
# each length run twice over the same counters (left nonzero, the second fails)
decode_plan = plan["phases"]["decode"]
decode_module = cp.RawModule(path=f"{art}/{decode_plan['module']}")
launch = [l for l in decode_plan["launches"] if l["kernel"].endswith("attention_decode")][0]
splits = launch["grid"][1]["times"]
counters = cp.zeros(H, cp.uint32)
for past in (40, 100, 200, C - 1):
    step = cp.asarray(np.array([1, 1, past, 0], np.int32))
    qkv = rng.standard_normal((1, 3 * E)).astype(np.float32)
    keys = rng.standard_normal((1, H, C, D)).astype(np.float32)
    values = rng.standard_normal((1, H, C, D)).astype(np.float32)
    ref = np.zeros((H, D), np.float32)
    for h in range(H):
        s = keys[0, h, :past + 1] @ qkv[0, h * D:(h + 1) * D] / math.sqrt(D)
        p = np.exp(s - s.max())
        ref[h] = (p / p.sum()) @ values[0, h, :past + 1]
    for attempt in (1, 2):
        partial = cp.zeros(H * splits * (D + 2), cp.float32)
        out = cp.zeros((1, E), cp.float32)
        decode_module.get_function(launch["kernel"])(
            (H, splits, 1), (launch["block"][0], 1, 1),
            (step, cp.asarray(qkv), cp.asarray(keys), cp.asarray(values), partial, counters, out))
        cp.cuda.runtime.deviceSynchronize()
        report(f"decode attention P={past} run {attempt}", out.get().reshape(H, D), ref)
    print(f"decode attention P={past}: counters after, max {int(counters.get().max())}")
