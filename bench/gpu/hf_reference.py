#!/usr/bin/env python3
"""Hugging Face reference for gpt2c on an NVIDIA GPU: the machine's limits, gpt2c's synthetic
weights in a transformers GPT2LMHeadModel, logits comparison, and PyTorch/HF timing baselines.

Subcommands (each runs alone; `--json FILE` writes the results as JSON):

  limits        HBM bandwidth (device copy, read-only sum) and bf16/fp16 tensor-core peak
  synth-model   build the synthetic model and print / check tensor SHA-256 digests (--golden)
  compare       HF float32 logits against raw float32 logits written by `gpt2c logits`
  hf-logits     write HF float32 logits in the same raw format (a reference file for compare)
  baselines     HF decode ms/token (eager fp16/bf16, static cache + torch.compile) and prefill

Needs torch, numpy and (apart from `limits`) transformers; nothing is downloaded.
"""

import argparse
import contextlib
import hashlib
import json
import math
import os
import platform
import statistics
import sys
import time

try:
    import numpy as np
    import torch
except ImportError as exc:  # pragma: no cover - the remote machine has both
    sys.exit(f"hf_reference.py: needs torch and numpy ({exc})")

VOCAB = 50257
CONFIGS = {
    # name: (n_layer, n_embd, n_head, n_positions)
    "tiny": (2, 64, 4, 128),
    "gpt2": (12, 768, 12, 1024),
    "gpt2-medium": (24, 1024, 16, 1024),
    "gpt2-large": (36, 1280, 20, 1024),
    "gpt2-xl": (48, 1600, 25, 1024),
}


class UsageError(Exception):
    """A problem with the command line or the inputs: printed without a traceback."""


# ---------------------------------------------------------------------------------------------
# Synthetic weights (gpt2c spec, version 1), computed with torch int64 arithmetic.
#
# torch's int64 add and multiply wrap modulo 2^64 exactly as uint64 does (two's complement), so
# only the right shift needs care: torch's is arithmetic on int64, and a logical shift is that
# shift with the sign-extended high bits masked off. Constants >= 2^63 enter as their signed
# int64 equivalents.
# ---------------------------------------------------------------------------------------------

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
FNV_BASIS = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def _signed64(value):
    value &= MASK64
    return value - (1 << 64) if value >= (1 << 63) else value


def fnv1a64(text):
    h = FNV_BASIS
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & MASK64
    return h


def _lsr(z, s):
    """Logical right shift of an int64 tensor holding uint64 bit patterns."""
    return (z >> s) & ((1 << (64 - s)) - 1)


def value_rule(name):
    """(scale, offset) of a tensor: value = offset + r * scale."""
    if name == "ln_f.weight" or name.endswith(".ln_1.weight") or name.endswith(".ln_2.weight"):
        return 2.0**-3, 1.0
    if name == "wpe.weight":
        return 2.0**-6, 0.0
    return 2.0**-5, 0.0


def tensor_specs(config):
    """[(name, shape)] of every tensor of the spec, in its order; names without `transformer.`."""
    n_layer, e, _, p = CONFIGS[config]
    specs = [("wte.weight", (VOCAB, e)), ("wpe.weight", (p, e))]
    for layer in range(n_layer):
        h = f"h.{layer}."
        specs += [
            (h + "ln_1.weight", (e,)),
            (h + "ln_1.bias", (e,)),
            (h + "attn.c_attn.weight", (e, 3 * e)),
            (h + "attn.c_attn.bias", (3 * e,)),
            (h + "attn.c_proj.weight", (e, e)),
            (h + "attn.c_proj.bias", (e,)),
            (h + "ln_2.weight", (e,)),
            (h + "ln_2.bias", (e,)),
            (h + "mlp.c_fc.weight", (e, 4 * e)),
            (h + "mlp.c_fc.bias", (4 * e,)),
            (h + "mlp.c_proj.weight", (4 * e, e)),
            (h + "mlp.c_proj.bias", (e,)),
        ]
    specs += [("ln_f.weight", (e,)), ("ln_f.bias", (e,))]
    return specs


@torch.no_grad()
def synthetic_tensor(name, shape, seed, device="cpu", chunk=1 << 24):
    """The float32 tensor `name` of the spec, computed on `device` in chunks of `chunk` values."""
    n = math.prod(shape)
    state = _signed64(fnv1a64(name) ^ ((seed * GOLDEN) & MASK64))
    golden, mix1, mix2 = _signed64(GOLDEN), _signed64(MIX1), _signed64(MIX2)
    scale, offset = value_rule(name)
    out = torch.empty(n, dtype=torch.float32, device=device)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        z = torch.arange(start + 1, stop + 1, dtype=torch.int64, device=device)
        z.mul_(golden).add_(state)  # state + (i + 1) * G
        z = (z ^ _lsr(z, 30)).mul_(mix1)
        z = (z ^ _lsr(z, 27)).mul_(mix2)
        z = z ^ _lsr(z, 31)
        u = _lsr(z, 40).to(torch.float32).mul_(2.0**-24)  # exact: < 2^24
        del z
        r = u.mul_(2.0).sub_(1.0)  # exact
        r.mul_(scale)  # exact (power of two)
        if offset:
            r.add_(offset)  # the single float32 rounding of the spec
        out[start:stop] = r
    return out.view(shape)


def synthetic_tensors(config, seed, device="cpu"):
    """Yields (name, float32 tensor) for every tensor of the spec."""
    for name, shape in tensor_specs(config):
        yield name, synthetic_tensor(name, shape, seed, device)


def hf_config(config, attn_implementation="eager"):
    from transformers import GPT2Config

    n_layer, e, n_head, p = CONFIGS[config]
    cfg = GPT2Config(
        vocab_size=VOCAB,
        n_positions=p,
        n_embd=e,
        n_layer=n_layer,
        n_head=n_head,
        n_inner=4 * e,
        activation_function="gelu_new",
        layer_norm_epsilon=1e-5,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        tie_word_embeddings=True,
        bos_token_id=50256,
        eos_token_id=50256,
    )
    cfg._attn_implementation = attn_implementation
    return cfg


def _no_init_context():
    """transformers' context that skips random initialization (every parameter is overwritten)."""
    try:
        from transformers.initialization import no_init_weights

        return no_init_weights()
    except Exception:
        return contextlib.nullcontext()


def synthetic_model(config, seed, dtype=torch.float32, device="cuda", attn_implementation="eager"):
    """A transformers GPT2LMHeadModel (eval mode) holding gpt2c's synthetic weights.

    The weights are computed in float32 on `device` and then cast to `dtype`; every parameter
    of the model must be one of the spec's tensors (or the LM head tied to wte.weight).
    """
    if config not in CONFIGS:
        raise UsageError(f"unknown config '{config}' (known: {', '.join(CONFIGS)})")
    try:
        from transformers import GPT2LMHeadModel
    except ImportError as exc:
        raise UsageError(f"transformers is not importable: {exc}")
    device = torch.device(device)
    cfg = hf_config(config, attn_implementation)
    with torch.device(device), _no_init_context():
        model = GPT2LMHeadModel._from_config(cfg, attn_implementation=attn_implementation, dtype=dtype)
    model.to(device=device, dtype=dtype)
    params = dict(model.named_parameters(remove_duplicate=False))
    filled = set()
    with torch.no_grad():
        for name, values in synthetic_tensors(config, seed, device):
            key = "transformer." + name
            if key not in params:
                raise RuntimeError(f"the HF model has no parameter '{key}'")
            param = params[key]
            if tuple(param.shape) != tuple(values.shape):
                raise RuntimeError(
                    f"'{key}': HF shape {tuple(param.shape)}, spec shape {tuple(values.shape)}")
            param.copy_(values)
            filled.add(key)
            del values
        model.tie_weights()
        head, wte = model.lm_head.weight, model.transformer.wte.weight
        if head.data_ptr() != wte.data_ptr():
            head.copy_(wte)  # untied by this transformers version: keep the values tied
        filled.add("lm_head.weight")
    missing = sorted(set(params) - filled)
    if missing:
        raise RuntimeError(f"parameters not covered by the synthetic spec: {missing[:8]}")
    for name, buf in model.named_buffers():
        if buf.is_floating_point() and not torch.isfinite(buf).all():
            raise RuntimeError(f"buffer '{name}' holds non-finite values")
    model.eval()
    return model


def sha256_f32(tensor):
    array = tensor.detach().to(device="cpu", dtype=torch.float32).contiguous().numpy()
    return hashlib.sha256(array.astype("<f4", copy=False).tobytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def resolve_device(name, need_cuda=False):
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
        if name == "cpu":
            print("note: no CUDA device; running on the CPU", file=sys.stderr)
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("CUDA is not available (torch.cuda.is_available() is False); "
                         "pass --device cpu to run on the CPU")
    if need_cuda and not name.startswith("cuda"):
        raise UsageError("this subcommand needs a CUDA device")
    device = torch.device(name)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    return device


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def strict_fp32():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


def parse_ids(text):
    try:
        ids = [int(tok) for tok in text.replace(" ", "").split(",") if tok != ""]
    except ValueError:
        raise UsageError(f"--ids: expected comma-separated integers, got '{text}'")
    if not ids:
        raise UsageError("--ids: empty list")
    bad = [i for i in ids if not 0 <= i < VOCAB]
    if bad:
        raise UsageError(f"--ids: token ids out of range [0, {VOCAB}): {bad[:5]}")
    return ids


def environment(device=None):
    env = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "numpy": np.__version__,
        "host": platform.node(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }
    try:
        import transformers

        env["transformers"] = transformers.__version__
    except ImportError:
        env["transformers"] = None
    if device is not None and device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        env["gpu"] = props.name
        env["sm_count"] = props.multi_processor_count
        env["l2_bytes"] = getattr(props, "L2_cache_size", None)
        env["memory_bytes"] = props.total_memory
        env["compute_capability"] = f"{props.major}.{props.minor}"
    return env


def print_table(headers, rows, left=(0,)):
    """Columns in `left` are left-aligned, the others right-aligned."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in
                        enumerate(zip(row, widths))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def write_json(path, payload):
    if not path:
        return
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path, "w") as f:
        json.dump(payload, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


def fmt(value, spec=".3f"):
    return "-" if value is None else format(value, spec)


# ---------------------------------------------------------------------------------------------
# limits
# ---------------------------------------------------------------------------------------------


def time_cuda(fn, iters, warmup):
    """Median, min of `iters` individually event-timed calls (ms), after `warmup` calls."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times), min(times)


def cmd_limits(args):
    device = resolve_device(args.device, need_cuda=True)
    torch.cuda.set_device(device)
    env = environment(device)
    results = {"subcommand": "limits", "env": env, "iters": args.iters, "warmup": args.warmup}
    rows = []

    nbytes = int(args.gib * (1 << 30))
    src = torch.empty(nbytes, dtype=torch.uint8, device=device).fill_(1)
    dst = torch.empty_like(src)
    med, best = time_cuda(lambda: dst.copy_(src), args.iters, args.warmup)
    copy = {"bytes_each_way": nbytes, "median_ms": med, "min_ms": best,
            "gbps_read_plus_write": 2 * nbytes / (med * 1e-3) / 1e9,
            "gbps_read_plus_write_best": 2 * nbytes / (best * 1e-3) / 1e9}
    results["copy"] = copy
    rows.append(["d2d copy (read+write)", f"{args.gib:g} GiB -> {args.gib:g} GiB", fmt(med),
                 f"{copy['gbps_read_plus_write']:.0f} GB/s", f"{copy['gbps_read_plus_write_best']:.0f} GB/s"])
    del src, dst
    torch.cuda.empty_cache()

    x = torch.ones(nbytes // 2, dtype=torch.bfloat16, device=device)
    med, best = time_cuda(lambda: torch.sum(x), args.iters, args.warmup)
    read = {"bytes": nbytes, "median_ms": med, "min_ms": best,
            "gbps_read": nbytes / (med * 1e-3) / 1e9, "gbps_read_best": nbytes / (best * 1e-3) / 1e9}
    results["read"] = read
    rows.append(["sum bf16 (read)", f"{args.gib:g} GiB", fmt(med),
                 f"{read['gbps_read']:.0f} GB/s", f"{read['gbps_read_best']:.0f} GB/s"])
    del x
    torch.cuda.empty_cache()

    n = args.matmul_n
    flops = 2.0 * n * n * n
    for dtype, label in ((torch.bfloat16, "bf16"), (torch.float16, "fp16")):
        gen = torch.Generator(device=device).manual_seed(0)
        a = torch.randn(n, n, dtype=dtype, device=device, generator=gen)
        b = torch.randn(n, n, dtype=dtype, device=device, generator=gen)
        c = torch.empty(n, n, dtype=dtype, device=device)
        med, best = time_cuda(lambda: torch.matmul(a, b, out=c), args.iters, args.warmup)
        results[f"matmul_{label}"] = {
            "n": n, "median_ms": med, "min_ms": best,
            "tflops": flops / (med * 1e-3) / 1e12, "tflops_best": flops / (best * 1e-3) / 1e12}
        rows.append([f"matmul {label} {n}^3", "random normal", fmt(med),
                     f"{flops / (med * 1e-3) / 1e12:.0f} TFLOP/s",
                     f"{flops / (best * 1e-3) / 1e12:.0f} TFLOP/s"])
        del a, b, c
        torch.cuda.empty_cache()

    print(f"{env['gpu']}: {env['sm_count']} SMs, L2 {env['l2_bytes'] / (1 << 20):.0f} MiB, "
          f"{env['memory_bytes'] / (1 << 30):.1f} GiB; torch {env['torch']} (CUDA {env['cuda']})")
    print(f"median and best of {args.iters} after {args.warmup} warm-up calls, CUDA events")
    print_table(["measure", "size", "median ms", "median", "best"], rows, left=(0, 1))
    write_json(args.json, results)
    return 0


# ---------------------------------------------------------------------------------------------
# synth-model
# ---------------------------------------------------------------------------------------------

SHOW_TENSORS = ["wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.attn.c_attn.weight",
                "h.0.mlp.c_proj.bias", "ln_f.weight"]


def run_golden_cases(model, device, cases, tolerance):
    """HF float32 logits at the golden cases' top-10 ids against the golden values."""
    report, ok = [], True
    for n, case in enumerate(cases):
        ids = case["ids"]
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids], device=device)).logits[0].float().cpu()
        top_ids = torch.tensor(case["top10_ids"])
        want = torch.tensor(case["top10_logits"], dtype=torch.float64)
        got = torch.gather(logits.double(), 1, top_ids)
        diff = (got - want).abs().max().item()
        margins = want[:, 0] - want[:, 1]
        argmax = logits.argmax(dim=1)
        wrong = [(row, int(argmax[row]), int(top_ids[row, 0])) for row in range(len(ids))
                 if int(argmax[row]) != int(top_ids[row, 0]) and margins[row] > 1e-4]
        passed = diff <= tolerance and not wrong
        ok = ok and passed
        report.append({"case": n, "tokens": len(ids), "max_abs_diff_top10": diff,
                       "top1_mismatches": wrong, "ok": passed})
    return report, ok


def cmd_synth_model(args):
    device = resolve_device(args.device)
    strict_fp32()
    golden = None
    if args.golden:
        try:
            with open(args.golden) as f:
                golden = json.load(f)
        except (OSError, ValueError) as exc:
            raise UsageError(f"--golden {args.golden}: {exc}")
        if not isinstance(golden.get("tensor_sha256_f32"), dict):
            raise UsageError(f"--golden {args.golden}: no 'tensor_sha256_f32' object")
        gcfg, gseed = golden.get("config"), golden.get("seed")
        if isinstance(gcfg, dict):
            n_layer, e, n_head, p = CONFIGS[args.config]
            mine = {"n_layer": n_layer, "n_embd": e, "n_head": n_head, "n_positions": p,
                    "vocab_size": VOCAB}
            clash = {k: (v, mine[k]) for k, v in gcfg.items() if k in mine and mine[k] != v}
            if clash:
                print(f"warning: golden config differs from --config {args.config}: {clash}")
        if gseed is not None and gseed != args.seed:
            print(f"warning: golden seed {gseed}, --seed {args.seed}")

    t0 = time.perf_counter()
    if args.no_hf:
        tensors = dict(synthetic_tensors(args.config, args.seed, device))
        lookup = tensors.get
        source = "synthetic tensors (no transformers model)"
    else:
        model = synthetic_model(args.config, args.seed, torch.float32, device, "eager")
        state = model.state_dict()
        lookup = lambda name: state.get("transformer." + name, state.get(name))
        source = f"transformers GPT2LMHeadModel float32 on {device}"
    sync(device)
    build_s = time.perf_counter() - t0
    print(f"synthetic:{args.config}:{args.seed}: {source}, built in {build_s:.2f} s")

    results = {"subcommand": "synth-model", "config": args.config, "seed": args.seed,
               "source": source, "build_s": build_s, "env": environment(device), "tensors": {}}
    rows, mismatches = [], []
    names = list(golden["tensor_sha256_f32"]) if golden else (args.tensors or SHOW_TENSORS)
    for name in names:
        tensor = lookup(name)
        if tensor is None:
            digest, status = None, "MISSING"
        else:
            digest = sha256_f32(tensor)
            status = "-"
            if golden:
                status = "ok" if digest == golden["tensor_sha256_f32"][name] else "MISMATCH"
        if status in ("MISSING", "MISMATCH"):
            mismatches.append(name)
        results["tensors"][name] = {"sha256_f32": digest, "status": status}
        if not golden or status != "ok" or name in SHOW_TENSORS or args.verbose:
            shape = "-" if tensor is None else "x".join(map(str, tensor.shape))
            rows.append([name, shape, digest or "-", status])
    print_table(["tensor", "shape", "sha256 (little-endian float32)", "golden"], rows,
                left=(0, 2))
    if golden:
        checked = len(names)
        print(f"golden {args.golden}: {checked - len(mismatches)}/{checked} tensors match"
              + ("" if args.verbose else " (matching ones not listed above are omitted)"))
        for name in mismatches:
            print(f"FAIL {name}: {results['tensors'][name]['status']}")
    results["mismatches"] = mismatches
    ok = not mismatches

    if args.forward:
        if args.no_hf:
            raise UsageError("--forward needs the transformers model (drop --no-hf)")
        cases = (golden or {}).get("cases")
        if not cases:
            raise UsageError("--forward needs --golden with a 'cases' list")
        report, fwd_ok = run_golden_cases(model, device, cases, args.forward_tol)
        results["forward"] = report
        print(f"forward check against the golden top-10 logits (float32 on {device}, "
              f"tolerance {args.forward_tol:g}):")
        print_table(["case", "tokens", "max |diff| top-10", "top-1 mismatches", "ok"],
                    [[r["case"], r["tokens"], f"{r['max_abs_diff_top10']:.3e}",
                      len(r["top1_mismatches"]), "ok" if r["ok"] else "FAIL"] for r in report])
        ok = ok and fwd_ok

    results["ok"] = ok
    write_json(args.json, results)
    return 0 if ok else 1


# ---------------------------------------------------------------------------------------------
# compare / hf-logits
# ---------------------------------------------------------------------------------------------


def load_cases(args):
    cases = []
    logits, ids = args.logits or [], args.ids or []
    if len(logits) != len(ids):
        raise UsageError(f"{len(logits)} --logits but {len(ids)} --ids: give them in pairs")
    for path, text in zip(logits, ids):
        cases.append({"ids": parse_ids(text), "logits": path, "all_positions": args.all_positions})
    if args.cases:
        try:
            with open(args.cases) as f:
                listed = json.load(f)
        except (OSError, ValueError) as exc:
            raise UsageError(f"--cases {args.cases}: {exc}")
        if isinstance(listed, dict) and "cases" in listed:
            listed = listed["cases"]
        if not isinstance(listed, list):
            raise UsageError(f"--cases {args.cases}: expected a list of cases")
        base = os.path.dirname(os.path.abspath(args.cases))
        for n, case in enumerate(listed):
            if not isinstance(case, dict) or "ids" not in case or "logits" not in case:
                raise UsageError(f"--cases {args.cases}: case {n} needs 'ids' and 'logits'")
            ids_value = case["ids"]
            ids_list = parse_ids(ids_value if isinstance(ids_value, str)
                                 else ",".join(str(i) for i in ids_value))
            path = case["logits"]
            if not os.path.isabs(path) and not os.path.exists(path):
                path = os.path.join(base, path)  # relative to the cases file
            cases.append({"ids": ids_list, "logits": path,
                          "all_positions": bool(case.get("all_positions", False)),
                          "name": case.get("name")})
    if not cases:
        raise UsageError("no cases: give --logits FILE --ids LIST (repeatable) or --cases FILE")
    return cases


def hf_logits(model, ids, device):
    """[len(ids), VOCAB] float32 logits on the CPU."""
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids], dtype=torch.long, device=device), use_cache=False)
    return out.logits[0].float().cpu()


def compare_case(case, ref, margin_threshold):
    """Compares one case's file with the HF logits `ref` [T, V]."""
    t = len(case["ids"])
    result = {"name": case.get("name") or os.path.basename(case["logits"]), "logits": case["logits"],
              "tokens": t, "all_positions": case["all_positions"], "fails": [], "notes": []}
    try:
        raw = np.fromfile(case["logits"], dtype="<f4")
    except OSError as exc:
        result["error"] = f"cannot read {case['logits']}: {exc}"
        return result
    if raw.size == 0 or raw.size % VOCAB:
        result["error"] = (f"{case['logits']}: {raw.size * 4} bytes is not a whole number of "
                           f"{VOCAB}-value float32 rows")
        return result
    rows = raw.size // VOCAB
    if case["all_positions"] and rows != t:
        result["error"] = f"{case['logits']}: {rows} rows, expected {t} (one per position)"
        return result
    if not case["all_positions"] and rows != 1:
        if rows == t:
            result["notes"].append(f"file holds all {t} positions: comparing every row")
            result["all_positions"] = True
        else:
            result["error"] = f"{case['logits']}: {rows} rows, expected 1 (the last position)"
            return result
    theirs = torch.from_numpy(raw.reshape(rows, VOCAB).astype(np.float32))
    mine = ref if result["all_positions"] else ref[-1:]
    positions = list(range(t)) if result["all_positions"] else [t - 1]
    finite = torch.isfinite(theirs)
    result["non_finite"] = int((~finite).sum())
    diff = (theirs - mine).abs()
    diff = torch.where(finite, diff, torch.full_like(diff, float("inf")))
    row_diff = diff.max(dim=1).values
    top2 = torch.topk(mine, 2, dim=1)
    margin = top2.values[:, 0] - top2.values[:, 1]
    mine_top = top2.indices[:, 0]
    theirs_top = torch.nan_to_num(theirs, nan=-float("inf")).argmax(dim=1)
    agree = mine_top == theirs_top
    scale = mine.abs().max().item()
    result.update({
        "rows": rows,
        "max_abs_diff": row_diff.max().item(),
        "max_abs_diff_per_row": [float(v) for v in row_diff],
        "rel_max_abs_diff": row_diff.max().item() / scale if scale else None,
        "max_abs_logit_hf": scale,
        "max_abs_logit_gpt2c": torch.nan_to_num(theirs.abs(), nan=0.0).max().item(),
        "top1_agree": int(agree.sum()),
        "top1_rows": rows,
    })
    for row in range(rows):
        if agree[row]:
            continue
        entry = {"position": positions[row], "hf_top1": int(mine_top[row]),
                 "gpt2c_top1": int(theirs_top[row]), "hf_top2_margin": float(margin[row])}
        if margin[row] > margin_threshold:
            result["fails"].append(entry)
        else:
            result["notes"].append(f"position {positions[row]}: top-1 differs within the HF "
                                   f"top-2 margin {float(margin[row]):.3g}")
    if result["non_finite"]:
        result["fails"].append({"non_finite_values": result["non_finite"]})
    return result


def cmd_compare(args):
    device = resolve_device(args.device)
    strict_fp32()
    cases = load_cases(args)
    max_t = max(len(c["ids"]) for c in cases)
    n_positions = CONFIGS[args.config][3] if args.config in CONFIGS else None
    if n_positions and max_t > n_positions:
        raise UsageError(f"a case has {max_t} tokens; {args.config} holds {n_positions} positions")
    t0 = time.perf_counter()
    model = synthetic_model(args.config, args.seed, torch.float32, device, args.attn)
    sync(device)
    build_s = time.perf_counter() - t0
    print(f"HF float32 ({args.attn} attention, TF32 off) synthetic:{args.config}:{args.seed} "
          f"on {device}, built in {build_s:.2f} s; {len(cases)} case(s)")
    results = {"subcommand": "compare", "config": args.config, "seed": args.seed,
               "attn_implementation": args.attn, "margin_threshold": args.margin,
               "env": environment(device), "build_s": build_s, "cases": []}
    rows = []
    for case in cases:
        ref = hf_logits(model, case["ids"], device)
        res = compare_case(case, ref, args.margin)
        res["ids"] = case["ids"]
        results["cases"].append(res)
        if "error" in res:
            rows.append([res["name"], res["tokens"], "-", "-", "-", "-", "-", "ERROR"])
            continue
        rows.append([res["name"], res["tokens"], res["rows"], f"{res['max_abs_diff']:.3e}",
                     fmt(res["rel_max_abs_diff"], ".2e"), f"{res['top1_agree']}/{res['top1_rows']}",
                     f"{res['max_abs_logit_hf']:.4f}",
                     "FAIL" if res["fails"] else ("ok, tie" if res["top1_agree"] < res["rows"]
                                                  else "ok")])
    print_table(["case", "tokens", "rows", "max |diff|", "rel", "top-1", "max |logit|", "status"],
                rows)
    n_fail = 0
    for res in results["cases"]:
        for note in res.get("notes", []):
            print(f"note {res['name']}: {note}")
        if "error" in res:
            n_fail += 1
            print(f"FAIL {res['name']}: {res['error']}")
        for entry in res.get("fails", []):
            n_fail += 1
            if "non_finite_values" in entry:
                print(f"FAIL {res['name']}: {entry['non_finite_values']} non-finite values")
            else:
                print(f"FAIL {res['name']}: position {entry['position']}: gpt2c top-1 "
                      f"{entry['gpt2c_top1']}, HF top-1 {entry['hf_top1']} "
                      f"(HF top-2 margin {entry['hf_top2_margin']:.4f} > {args.margin})")
    valid = [r for r in results["cases"] if "error" not in r]
    results["summary"] = {
        "cases": len(results["cases"]),
        "errors": len(results["cases"]) - len(valid),
        "fail_lines": n_fail,
        "max_abs_diff": max((r["max_abs_diff"] for r in valid), default=None),
        "top1_agree": sum(r["top1_agree"] for r in valid),
        "top1_rows": sum(r["top1_rows"] for r in valid),
    }
    s = results["summary"]
    print(f"summary: max |diff| {fmt(s['max_abs_diff'], '.3e')}, top-1 {s['top1_agree']}/"
          f"{s['top1_rows']} rows, {n_fail} FAIL line(s)")
    write_json(args.json, results)
    return 0  # reports only; the caller decides


def cmd_hf_logits(args):
    device = resolve_device(args.device)
    strict_fp32()
    ids = parse_ids(args.ids)
    model = synthetic_model(args.config, args.seed, torch.float32, device, args.attn)
    ref = hf_logits(model, ids, device)
    out = ref if args.all_positions else ref[-1:]
    out.numpy().astype("<f4").tofile(args.output)
    print(f"wrote {args.output}: {out.shape[0]} row(s) of {VOCAB} float32 "
          f"(top-1 of the last row: {int(ref[-1].argmax())})")
    return 0


# ---------------------------------------------------------------------------------------------
# baselines
# ---------------------------------------------------------------------------------------------

DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}


def prompt_ids(n, device):
    return torch.tensor([[(464 + 7919 * i) % VOCAB for i in range(n)]], dtype=torch.long,
                        device=device)


def eager_decode(model, prompt, steps, device):
    """Prefill `prompt` with a dynamic KV cache, then `steps` greedy single-token steps.

    Returns (prefill ms, [ms per step], generated tokens)."""
    with torch.no_grad():
        sync(device)
        t0 = time.perf_counter()
        out = model(input_ids=prompt, use_cache=True)
        past = out.past_key_values
        tok = out.logits[:, -1].argmax(dim=-1, keepdim=True)
        sync(device)
        prefill_ms = (time.perf_counter() - t0) * 1e3
        times, tokens = [], []
        for _ in range(steps):
            t0 = time.perf_counter()
            out = model(input_ids=tok, past_key_values=past, use_cache=True)
            past = out.past_key_values
            tok = out.logits[:, -1].argmax(dim=-1, keepdim=True)
            sync(device)
            times.append((time.perf_counter() - t0) * 1e3)
            tokens.append(tok)
    return prefill_ms, times, [int(t) for t in torch.cat(tokens).flatten().tolist()]


def make_static_cache(model, max_len):
    from transformers import StaticCache
    import inspect

    params = inspect.signature(StaticCache.__init__).parameters
    kwargs = {"config": model.config, "max_cache_len": max_len}
    if "max_batch_size" in params:  # transformers 4.x signature
        kwargs.update(max_batch_size=1, device=model.device, dtype=model.dtype)
    return StaticCache(**kwargs)


def compiled_decode(model, prompt, steps, warmup_steps, device, mode, fullgraph):
    """Static KV cache, the decode step under torch.compile(mode); prefill stays eager.

    Returns a dict with the compile (and warm-up) seconds, the step times and the tokens."""
    cache = make_static_cache(model, prompt.shape[1] + max(steps, warmup_steps) + 1)
    start = prompt.shape[1]
    positions = [torch.tensor([[start + i]], dtype=torch.long, device=device)
                 for i in range(max(steps, warmup_steps))]

    def step(tok, pos):
        out = model(input_ids=tok, position_ids=pos, past_key_values=cache, use_cache=True)
        return out.logits[:, -1].argmax(dim=-1, keepdim=True)

    compiled = torch.compile(step, mode=mode, fullgraph=fullgraph)
    mark_step = getattr(torch.compiler, "cudagraph_mark_step_begin", lambda: None)

    def run(n):
        cache.reset()
        with torch.no_grad():
            out = model(input_ids=prompt, past_key_values=cache, use_cache=True)
            tok = out.logits[:, -1].argmax(dim=-1, keepdim=True)
            sync(device)
            times, tokens = [], []
            for i in range(n):
                t0 = time.perf_counter()
                mark_step()
                tok = compiled(tok, positions[i]).clone()
                sync(device)
                times.append((time.perf_counter() - t0) * 1e3)
                tokens.append(tok)
        return times, [int(t) for t in torch.cat(tokens).flatten().tolist()] if tokens else []

    t0 = time.perf_counter()
    warm_times, _ = run(warmup_steps)  # compiles (first calls), records CUDA graphs
    compile_s = time.perf_counter() - t0
    times, tokens = run(steps)
    return {"compile_and_warmup_s": compile_s, "warmup_step_ms": warm_times, "step_ms": times,
            "tokens": tokens}


def timed_prefill(model, ids, reps, warmup, device, logits_to_keep):
    kwargs = {"use_cache": False}
    if logits_to_keep:
        kwargs["logits_to_keep"] = logits_to_keep
    times = []
    with torch.no_grad():
        for n in range(warmup + reps):
            sync(device)
            t0 = time.perf_counter()
            model(input_ids=ids, **kwargs)
            sync(device)
            if n >= warmup:
                times.append((time.perf_counter() - t0) * 1e3)
    return times


def compiled_attempts(args, model, prompt, device, label, eager_tokens, rows):
    """Tries each --compile-mode (fullgraph first, then with graph breaks allowed) until one
    works; a failure is reported as 'failed: reason', never raised."""
    modes = [m.strip() for m in args.compile_mode.split(",") if m.strip()]
    graphs = [False] if args.no_fullgraph else [True, False]
    attempts = []
    for mode in modes:
        for fullgraph in graphs:
            what = f"static cache + torch.compile({mode}{', fullgraph' if fullgraph else ''}) decode"
            t0 = time.perf_counter()
            try:
                res = compiled_decode(model, prompt, args.decode_tokens, args.compile_warmup,
                                      device, mode, fullgraph)
            except Exception as exc:
                text = str(exc).strip()
                reason = f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
                attempts.append({"mode": mode, "fullgraph": fullgraph, "failed": text[:4000],
                                 "reason": reason[:300], "after_s": time.perf_counter() - t0})
                rows.append([label, what, "failed", reason[:120]])
                try:
                    torch._dynamo.reset()
                except Exception:
                    pass
                continue
            times = res["step_ms"]
            entry = {"mode": mode, "fullgraph": fullgraph,
                     "median_ms_per_token": statistics.median(times), "min_ms": min(times),
                     "mean_ms": statistics.fmean(times), **res}
            same = None
            if eager_tokens:
                same = 0
                for a, b in zip(eager_tokens, res["tokens"]):
                    if a != b:
                        break
                    same += 1
                entry["greedy_tokens_equal_to_eager_prefix"] = same
            attempts.append(entry)
            rows.append([label, what, f"{entry['median_ms_per_token']:.3f} ms/token",
                         f"min {min(times):.3f}; compile+warm-up "
                         f"{res['compile_and_warmup_s']:.1f} s; greedy tokens equal to eager "
                         f"for the first {'-' if same is None else same}/{args.decode_tokens}"])
            return attempts
    return attempts


def cmd_baselines(args):
    device = resolve_device(args.device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    cfg_positions = CONFIGS[args.config][3]
    if args.prompt_tokens + args.decode_tokens > cfg_positions:
        raise UsageError(f"--prompt-tokens + --decode-tokens exceeds {cfg_positions} positions")
    prefill_len = args.prefill
    if prefill_len > cfg_positions:
        print(f"note: --prefill {prefill_len} > {cfg_positions} positions of {args.config}; "
              f"using {cfg_positions}")
        prefill_len = cfg_positions
    dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    eager_dtypes = list(dtypes)
    for d in dtypes:
        if d not in DTYPES:
            raise UsageError(f"--dtypes: unknown '{d}' (known: {', '.join(DTYPES)})")
    compile_dtype = args.compile_dtype
    if compile_dtype not in DTYPES:
        raise UsageError(f"--compile-dtype: unknown '{compile_dtype}'")
    if compile_dtype not in dtypes and not args.no_compile:
        dtypes.append(compile_dtype)

    if args.no_cudnn_sdpa:
        torch.backends.cuda.enable_cudnn_sdp(False)
    started = time.perf_counter()
    env = environment(device)
    results = {"subcommand": "baselines", "config": args.config, "seed": args.seed, "env": env,
               "batch": 1, "attn_implementation": args.attn, "prompt_tokens": args.prompt_tokens,
               "decode_tokens": args.decode_tokens, "prefill_tokens": prefill_len,
               "prefill_reps": args.prefill_reps, "cudnn_sdpa": not args.no_cudnn_sdpa,
               "runs": {}}
    prompt = prompt_ids(args.prompt_tokens, device)
    prefill_ids = prompt_ids(prefill_len, device)
    rows = []
    eager_tokens = {}

    for label in dtypes:
        dtype = DTYPES[label]
        run = {}
        results["runs"][label] = run
        t0 = time.perf_counter()
        model = synthetic_model(args.config, args.seed, dtype, device, args.attn)
        sync(device)
        run["build_s"] = time.perf_counter() - t0
        if label in eager_dtypes:
            # (a) eager decode with the dynamic KV cache. A first, untimed-in-the-median pass
            # visits every sequence length once: kernels that plan per shape (cuDNN attention
            # builds an execution plan per new key length) pay that cost there, and the timed
            # second pass measures the steady state. The first pass's median is reported too.
            _, cold, _ = eager_decode(model, prompt, args.decode_tokens, device)
            prefill_ms, times, tokens = eager_decode(model, prompt, args.decode_tokens, device)
            eager_tokens[label] = tokens
            run["eager_decode"] = {"median_ms_per_token": statistics.median(times),
                                   "min_ms": min(times), "mean_ms": statistics.fmean(times),
                                   "first_pass_median_ms_per_token": statistics.median(cold),
                                   "first_pass_step_ms": cold,
                                   "prompt_prefill_ms": prefill_ms, "step_ms": times,
                                   "tokens": tokens}
            rows.append([label, f"eager decode ({args.attn}, dynamic cache)",
                         f"{statistics.median(times):.3f} ms/token",
                         f"min {min(times):.3f}; {args.decode_tokens} steps after a "
                         f"{args.prompt_tokens}-token prompt; first pass over these lengths "
                         f"{statistics.median(cold):.3f}"])
            # (c) eager prefill, no cache
            for keep, key, what in ((1, "prefill", "last row's logits"),
                                    (0, "prefill_all_logits", "every row's logits")):
                try:
                    times = timed_prefill(model, prefill_ids, args.prefill_reps,
                                          args.prefill_warmup, device, keep)
                    run[key] = {"median_ms": statistics.median(times), "min_ms": min(times),
                                "ms": times, "logits": what}
                    rows.append([label, f"eager prefill {prefill_len} tokens ({what})",
                                 f"{statistics.median(times):.3f} ms",
                                 f"min {min(times):.3f}, "
                                 f"{prefill_len / statistics.median(times) * 1e3:.0f} tokens/s"])
                except Exception as exc:  # e.g. out of memory
                    run[key] = {"failed": f"{type(exc).__name__}: {exc}"}
                    rows.append([label, f"eager prefill {prefill_len} ({what})",
                                 f"failed: {type(exc).__name__}", str(exc)[:60]])
        # (b) static cache + torch.compile
        if label == compile_dtype:
            if args.no_compile:
                run["compiled_decode"] = {"skipped": "--no-compile"}
                rows.append([label, "static cache + torch.compile decode", "skipped",
                             "--no-compile"])
            else:
                run["compiled_decode"] = compiled_attempts(
                    args, model, prompt, device, label, eager_tokens.get(label), rows)
        del model
        if device.type == "cuda":
            torch.cuda.empty_cache()

    results["total_s"] = time.perf_counter() - started
    print(f"HF baselines, synthetic:{args.config}:{args.seed}, batch 1, on "
          f"{env.get('gpu', device)}; torch {env['torch']}, transformers {env['transformers']}; "
          f"medians; total {results['total_s']:.1f} s")
    print_table(["dtype", "what", "median", "detail"], rows, left=(0, 1, 3))
    write_json(args.json, results)
    return 0


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------


def build_parser():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")
    sub.required = True

    def common(p, device_default="auto"):
        p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
        p.add_argument("--device", default=device_default,
                       help=f"torch device (default {device_default}: cuda if available)")

    def model_args(p):
        p.add_argument("--config", required=True, choices=list(CONFIGS))
        p.add_argument("--seed", type=int, default=1, help="synthetic weight seed (default 1)")

    p = sub.add_parser("limits", help="HBM bandwidth and bf16/fp16 matmul peak")
    common(p, "cuda")
    p.add_argument("--gib", type=float, default=4.0, help="buffer size in GiB (default 4)")
    p.add_argument("--matmul-n", type=int, default=8192, help="square matmul size (default 8192)")
    p.add_argument("--iters", type=int, default=20, help="timed calls (default 20)")
    p.add_argument("--warmup", type=int, default=5, help="untimed calls first (default 5)")
    p.set_defaults(func=cmd_limits)

    p = sub.add_parser("synth-model", help="build the synthetic HF model and check digests")
    common(p)
    model_args(p)
    p.add_argument("--golden", metavar="FILE",
                   help="JSON with 'tensor_sha256_f32': check every listed tensor")
    p.add_argument("--tensors", nargs="+", metavar="NAME", help="tensors to print without --golden")
    p.add_argument("--forward", action="store_true",
                   help="also run the golden file's 'cases' and compare the top-10 logits")
    p.add_argument("--forward-tol", type=float, default=1e-3,
                   help="tolerance of --forward against the float64 golden logits (default 1e-3)")
    p.add_argument("--no-hf", action="store_true",
                   help="hash the synthetic tensors without building the transformers model")
    p.add_argument("-v", "--verbose", action="store_true", help="list every checked tensor")
    p.set_defaults(func=cmd_synth_model)

    p = sub.add_parser("compare", help="HF float32 logits vs gpt2c's raw float32 logits")
    common(p)
    model_args(p)
    p.add_argument("--logits", action="append", metavar="FILE.f32",
                   help="raw little-endian float32 logits from `gpt2c logits` (repeatable)")
    p.add_argument("--ids", action="append", metavar="LIST",
                   help="the prompt's token ids, e.g. 464,2068,7586 (one per --logits)")
    p.add_argument("--all-positions", action="store_true",
                   help="the --logits files hold every position's row")
    p.add_argument("--cases", metavar="FILE.json",
                   help='list of {"ids": [...], "logits": "path", "all_positions": bool}')
    p.add_argument("--margin", type=float, default=0.05,
                   help="FAIL when top-1 differs and the HF top-2 margin exceeds this (0.05)")
    p.add_argument("--attn", default="eager", help="attn_implementation (default eager)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("hf-logits", help="write HF float32 logits in gpt2c's raw format")
    common(p)
    model_args(p)
    p.add_argument("--ids", required=True, metavar="LIST")
    p.add_argument("--all-positions", action="store_true")
    p.add_argument("-o", "--output", required=True, metavar="FILE.f32")
    p.add_argument("--attn", default="eager", help="attn_implementation (default eager)")
    p.set_defaults(func=cmd_hf_logits)

    p = sub.add_parser("baselines", help="HF decode and prefill timings, batch 1")
    common(p)
    model_args(p)
    p.add_argument("--decode-tokens", type=int, default=128, help="timed decode steps (128)")
    p.add_argument("--prompt-tokens", type=int, default=16, help="prompt before decode (16)")
    p.add_argument("--prefill", type=int, default=1024, help="prefill length (1024)")
    p.add_argument("--prefill-reps", type=int, default=10, help="timed prefills (10)")
    p.add_argument("--prefill-warmup", type=int, default=2, help="untimed prefills first (2)")
    p.add_argument("--dtypes", default="fp16,bf16", help="eager dtypes (fp16,bf16)")
    p.add_argument("--attn", default="sdpa", help="attn_implementation (default sdpa)")
    p.add_argument("--no-cudnn-sdpa", action="store_true",
                   help="torch.backends.cuda.enable_cudnn_sdp(False): SDPA without cuDNN")
    p.add_argument("--no-compile", action="store_true", help="skip static cache + torch.compile")
    p.add_argument("--compile-mode", default="reduce-overhead",
                   help="torch.compile modes to try in order until one works "
                        "(default reduce-overhead; e.g. reduce-overhead,default)")
    p.add_argument("--compile-dtype", default="fp16", help="dtype of the compiled run (fp16)")
    p.add_argument("--compile-warmup", type=int, default=4,
                   help="untimed compiled decode steps first (4)")
    p.add_argument("--no-fullgraph", action="store_true",
                   help="compile with graph breaks allowed only (default: fullgraph=True "
                        "first, then graph breaks allowed if that fails)")
    p.set_defaults(func=cmd_baselines)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"hf_reference.py {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except torch.cuda.OutOfMemoryError as exc:
        print(f"hf_reference.py {args.command}: out of GPU memory: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
