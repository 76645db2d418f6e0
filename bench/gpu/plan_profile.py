#!/usr/bin/env python3
"""Times every launch of an sm_90 artifact's phase on the GPU, one by one with
CUDA events (CuPy launches the PTX kernels of the launch plan over random
weights of the slots' types), and prints the time per kernel kind and the
slowest launches: where a decode step or a prefill spends its time.

  plan_profile.py ARTIFACT_DIR [--prompt T] [--past P] [--reps N] [--graph]

--past P > 0 profiles a decode step after P tokens; otherwise the prefill of T.
--graph times each launch as N copies of it captured in one CUDA graph (no
Python launch overhead: what a launch costs inside the runtime's graphs, short of
programmatic dependent launch; a decode kernel then reads its weights from L2),
and the whole phase captured once, replayed N times.
--roundtrip captures the phase once as a graph and times its replays back to back,
each followed by a synchronize, and each followed by the copy of its logits to
pinned host memory and a synchronize (what a generation step adds around the GPU's
work).
"""
import argparse
import collections
import json
import time

import cupy as cp
import numpy as np
import torch

parser = argparse.ArgumentParser()
parser.add_argument("artifact")
parser.add_argument("--prompt", type=int, default=1024)
parser.add_argument("--past", type=int, default=0)
parser.add_argument("--reps", type=int, default=20)
parser.add_argument("--graph", action="store_true")
parser.add_argument("--roundtrip", action="store_true")
args = parser.parse_args()

art = args.artifact
manifest = json.load(open(f"{art}/manifest.json"))
plan = json.load(open(f"{art}/launch_plan.json"))
m = manifest["model"]
E, H, C, V, L = m["n_embd"], m["n_head"], m["n_positions"], m["vocab_size"], m["n_layer"]
D = E // H
torch_types = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}
gen = torch.Generator(device="cuda").manual_seed(1)
slots = []
for slot in manifest["weights"]["slots"]:
    count = slot["bytes"] // torch.finfo(torch_types[slot["dtype"]]).bits * 8
    slots.append((torch.randn(count, device="cuda", generator=gen) * 0.02)
                 .to(torch_types[slot["dtype"]]))
scratch = torch.zeros(plan["scratch_bytes"] // 4 + 1, device="cuda")
counters = torch.zeros(plan["counters_bytes"] // 4 + 1, device="cuda", dtype=torch.int32)
keys = [torch.randn(1, H, C, D, device="cuda", generator=gen) for _ in range(L)]
values = [torch.randn(1, H, C, D, device="cuda", generator=gen) for _ in range(L)]
decode = args.past > 0
tokens = 1 if decode else args.prompt
logits = torch.zeros(tokens, V, device="cuda")
ids = torch.randint(0, V, (tokens,), device="cuda", dtype=torch.int32, generator=gen)
params = torch.tensor([1, tokens, args.past, 0], device="cuda", dtype=torch.int32)


def address(arg):
    kind = arg["kind"]
    if kind == "params":
        return params.data_ptr()
    if kind == "ids":
        return ids.data_ptr()
    if kind == "weight":
        return slots[arg["slot"]].data_ptr()
    if kind == "scratch":
        return scratch.data_ptr() + arg["offset"]
    if kind == "counters":
        return counters.data_ptr() + arg["offset"]
    if kind == "cache":
        return (keys if arg["which"] == "key" else values)[arg["layer"]].data_ptr()
    if kind == "logits":
        return logits.data_ptr()
    raise ValueError(kind)


phase_name = "decode" if decode else "prefill"
phase = plan["phases"][phase_name]
module = cp.RawModule(path=f"{art}/{phase['module']}")
sizes = {"one": 1, "batch": 1, "tokens": tokens, "rows": tokens}
launches = []
for launch in phase["launches"]:
    grid = tuple(-(-g["times"] * sizes[g["per"]] // g["divide"]) for g in launch["grid"])
    function = module.get_function(launch["kernel"])
    if launch.get("shared_bytes"):
        function.max_dynamic_shared_size_bytes = launch["shared_bytes"]
    launches.append((launch["kernel"], function, grid, tuple(launch["block"]),
                     tuple(np.uint64(address(a)) for a in launch["args"]),
                     launch.get("shared_bytes", 0)))


def run(entry):
    _, function, grid, block, arguments, shared = entry
    function(grid, block, arguments, shared_mem=shared)


def timed_us(entries, reps):
    """Microseconds per pass over `entries`: launched from Python, or with --graph
    captured once as `reps` passes and the graph replayed (median of 5)."""
    start, stop = cp.cuda.Event(), cp.cuda.Event()
    if not args.graph:
        start.record()
        for _ in range(reps):
            for entry in entries:
                run(entry)
        stop.record()
        stop.synchronize()
        return cp.cuda.get_elapsed_time(start, stop) * 1000 / reps
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        stream.begin_capture()
        for _ in range(reps):
            for entry in entries:
                run(entry)
        graph = stream.end_capture()
        graph.launch(stream)  # warm up
        samples = []
        for _ in range(5):
            start.record(stream)
            graph.launch(stream)
            stop.record(stream)
            stop.synchronize()
            samples.append(cp.cuda.get_elapsed_time(start, stop) * 1000 / reps)
    return sorted(samples)[2]


for entry in launches:  # warm up: module load, caches
    run(entry)
cp.cuda.runtime.deviceSynchronize()


def roundtrip():
    stream = cp.cuda.Stream(non_blocking=True)
    host = cp.cuda.alloc_pinned_memory(logits.numel() * 4)
    with stream:
        stream.begin_capture()
        for entry in launches:
            run(entry)
        graph = stream.end_capture()
        graph.launch(stream)
        stream.synchronize()
        for label, sync, copy in (("back to back", False, False), ("synchronized", True, False),
                                  ("logits copied, synchronized", True, True)):
            started = time.perf_counter()
            for _ in range(args.reps):
                graph.launch(stream)
                if copy:
                    cp.cuda.runtime.memcpyAsync(host.ptr, logits.data_ptr(), logits.numel() * 4,
                                                cp.cuda.runtime.memcpyDeviceToHost, stream.ptr)
                if sync:
                    stream.synchronize()
            stream.synchronize()
            us = (time.perf_counter() - started) * 1e6 / args.reps
            print(f"{art} {phase_name} one graph per step, {label}: {us:.1f} us per step")


if args.roundtrip:
    roundtrip()
phase_us = timed_us(launches, args.reps)
times = [timed_us([entry], args.reps) for entry in launches]

by_kind = collections.defaultdict(lambda: [0, 0.0])
for (name, *_), us in zip(launches, times):
    kind = name.split("_", 1)[1]
    by_kind[kind][0] += 1
    by_kind[kind][1] += us
total = sum(times)
print(f"{art} {phase_name} T={tokens} P={args.past}{' (CUDA graphs)' if args.graph else ''}: "
      f"{len(launches)} launches, back to back "
      f"{phase_us:.1f} us, sum of launches alone {total:.1f} us")
for kind, (count, us) in sorted(by_kind.items(), key=lambda item: -item[1][1]):
    print(f"  {kind:20s} {count:4d} launches {us:9.1f} us {100 * us / total:5.1f}%  "
          f"{us / count:7.2f} us each")
print("  slowest launches:")
order = sorted(range(len(launches)), key=lambda i: -times[i])
for i in order[:6]:
    name, _, grid, block, *_ = launches[i]
    print(f"    #{i:3d} {name:16s} grid {grid} block {block}: {times[i]:.2f} us")
