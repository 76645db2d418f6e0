#!/usr/bin/env python3
"""Runs a float32 sm_90 artifact's launch plan from Python (CuPy launches the
PTX kernels; weights are the synthetic ones, packed here as the manifest's
slots say) and compares every phase's logits with Hugging Face, then the
buffers after each launch of the first layer with the same computation in
PyTorch. A diagnostic of the plan, independent of gpt2c-run.

  plan_check.py ARTIFACT_DIR CONFIG IDS      e.g. .device/art/tiny-f32.gpt2c tiny 464,2068,7586
"""
import json
import math
import sys

import cupy as cp
import numpy as np
import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import hf_reference as hf  # noqa: E402

art, config, ids_text = sys.argv[1:4]
ids = [int(t) for t in ids_text.split(",")]
manifest = json.load(open(f"{art}/manifest.json"))
plan = json.load(open(f"{art}/launch_plan.json"))
model_cfg = manifest["model"]
E, H, C, V, L = (model_cfg["n_embd"], model_cfg["n_head"], model_cfg["n_positions"],
                 model_cfg["vocab_size"], model_cfg["n_layer"])
D = E // H
tensors = {name: t.float().cpu().numpy() for name, t in hf.synthetic_tensors(config, 1, "cuda")}

slots = []
for slot in manifest["weights"]["slots"]:
    value = tensors[slot["tensor"]]
    if slot["layout"] == "nk":
        value = value.T
    assert slot["dtype"] == "f32", "float32 artifacts only"
    slots.append(cp.asarray(np.ascontiguousarray(value, np.float32)))
scratch = cp.zeros(plan["scratch_bytes"] // 4 + 1, cp.float32)
counters = cp.zeros(plan["counters_bytes"] // 4 + 1, cp.uint32)  # zeroed once, as the runtime does
keys = [cp.zeros((1, H, C, D), cp.float32) for _ in range(L)]
values = [cp.zeros((1, H, C, D), cp.float32) for _ in range(L)]
logits = cp.zeros((len(ids), V), cp.float32)
modules = {}


def address(arg, params, id_buffer):
    kind = arg["kind"]
    if kind == "params":
        return params.data.ptr
    if kind == "ids":
        return id_buffer.data.ptr
    if kind == "weight":
        return slots[arg["slot"]].data.ptr
    if kind == "scratch":
        return scratch.data.ptr + arg["offset"]
    if kind == "counters":
        return counters.data.ptr + arg["offset"]
    if kind == "cache":
        return (keys if arg["which"] == "key" else values)[arg["layer"]].data.ptr
    if kind == "logits":
        return logits.data.ptr
    raise ValueError(kind)


def run_phase(name, tokens, past):
    phase = plan["phases"][name]
    module = modules.setdefault(name, cp.RawModule(path=f"{art}/{phase['module']}"))
    params = cp.asarray(np.array([1, len(tokens), past, 0], np.int32))
    id_buffer = cp.asarray(np.array(tokens, np.int32))
    values_of = {"one": 1, "batch": 1, "tokens": len(tokens), "rows": len(tokens)}
    for launch in phase["launches"]:
        grid = tuple(-(-g["times"] * values_of[g["per"]] // g["divide"]) for g in launch["grid"])
        args = tuple(np.uint64(address(a, params, id_buffer)) for a in launch["args"])
        module.get_function(launch["kernel"])(grid, tuple(launch["block"]), args)
    cp.cuda.runtime.deviceSynchronize()


model = hf.synthetic_model(config, 1, torch.float32, "cuda")
with torch.no_grad():
    reference = model(torch.tensor([ids], device="cuda")).logits[0].float().cpu().numpy()


def compare(label, got, want):
    print(f"{label:34s} max |diff| {np.max(np.abs(got - want)):.3e}  top-1 {int(np.argmax(got))} vs {int(np.argmax(want))}")


run_phase("prefill", ids, 0)
compare("prefill, last row", logits.get()[0], reference[-1])
run_phase("score", ids, 0)
compare("score, every row", logits.get(), reference)
run_phase("prefill", ids[:-1], 0)
run_phase("decode", ids[-1:], len(ids) - 1)
compare("prefill + decode, last row", logits.get()[0], reference[-1])
