#!/usr/bin/env python3
"""Side-by-side CPU benchmark of gpt2c against llama.cpp and PyTorch eager (issue 5).

One invocation measures, on this machine and in this order:
  1. the machine's limits: read bandwidth (sum over a 1 GiB array, all threads) and the
     float32 FMA peak (all threads), with a small C++ program compiled on the fly;
  2. gpt2c's deterministic synthetic GPT-2 124M weights, written once as a Hugging Face
     checkpoint (`gpt2c synth`), converted to GGUF (f32, f16, q8_0) for llama.cpp with the
     `gguf` package, and checked: llama.cpp and PyTorch logits against gpt2c's interpreter;
  3. `gpt2c compile` wall time for the four weight precisions of 124M and for gpt2-xl with
     --external-weights;
  4. every engine with the same thread count, prompt lengths and methodology: prefill of 128
     and 512 tokens, time to first token of a 12-token prompt, and greedy decode of 128
     tokens after it (ms/token); medians of --runs runs after --warmup untimed ones.
     gpt2c runs through `gpt2c-run bench`; llama.cpp (llama-cpp-python's low-level API, the
     context at llama.cpp's defaults) and PyTorch (transformers GPT2LMHeadModel, eager, KV
     cache, logits of the last position only) run in worker subprocesses of this script, one
     per engine and precision, so that no two thread pools share a process.

Every figure is also given as a fraction of its limit: decode bytes read per token / time
per token against the read bandwidth, and prefill FLOPs / time against the FMA peak (bytes
and FLOPs from `gpt2c-opt --gpt2-cost`, the same FLOPs for every engine; the weight bytes of
each peer from its own storage).

Benchmark-only dependencies (never build or test dependencies of the project), from PyPI:
  pip install numpy gguf torch transformers safetensors llama-cpp-python
See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Issue 5's prompt and decode lengths.
PREFILL_LENGTHS = (128, 512)
TTFT_PROMPT = 12
DECODE_TOKENS = 128
GPT2C_PRECISIONS = ("f32", "bf16", "f16", "int8")
GGUF_TYPES = ("f32", "f16", "q8_0")
SANITY_TEXT = "The meaning of life is"
SANITY_GREEDY = 16

# ----------------------------------------------------------------------------------------
# Machine limits: a C++ program compiled on the fly. numpy is not used: its reductions run on
# one thread and its pairwise float sum is not written to stream at the memory's speed, and
# it has no way to issue bare FMAs; the same 16-lane loads and FMAs that the kernels use,
# split over std::threads, give the ceilings the kernels can reach.
# ----------------------------------------------------------------------------------------
LIMITS_CPP = r"""
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

template <class F> static double timedParallel(int threads, F body) {
  Clock::time_point start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back(body, t);
  for (std::thread &thread : pool)
    thread.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Sum of floats [begin, end): 8 independent 16-lane accumulators, aligned loads.
static float sumRange(const float *a, size_t begin, size_t end) {
  __m512 acc[8];
  for (int k = 0; k < 8; ++k)
    acc[k] = _mm512_setzero_ps();
  size_t i = begin;
  for (; i + 128 <= end; i += 128)
    for (int k = 0; k < 8; ++k)
      acc[k] = _mm512_add_ps(acc[k], _mm512_load_ps(a + i + 16 * k));
  float tail = 0;
  for (; i < end; ++i)
    tail += a[i];
  for (int k = 1; k < 8; ++k)
    acc[0] = _mm512_add_ps(acc[0], acc[k]);
  return _mm512_reduce_add_ps(acc[0]) + tail;
}

// Read bandwidth over `bytes`, each thread summing its contiguous share; GB/s per pass.
static std::vector<double> readBandwidth(size_t bytes, int threads, int passes, double &sink) {
  size_t n = bytes / sizeof(float);
  n -= n % (128 * threads);
  float *a = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
  // Each thread first touches the share it will read.
  timedParallel(threads, [&](int t) {
    size_t b = n / threads * t, e = n / threads * (t + 1);
    for (size_t i = b; i < e; ++i)
      a[i] = float(i & 1023) * 1e-3f;
  });
  std::vector<double> gbs;
  std::vector<float> partial(threads * 16);
  for (int p = 0; p < passes + 1; ++p) {
    double s = timedParallel(threads, [&](int t) {
      partial[t * 16] = sumRange(a, n / threads * t, n / threads * (t + 1));
    });
    for (int t = 0; t < threads; ++t)
      sink += partial[t * 16];
    if (p > 0) // the first pass is a warm-up
      gbs.push_back(double(n) * sizeof(float) / s / 1e9);
  }
  std::free(a);
  return gbs;
}

// GFLOP/s of independent 16-lane FMAs (16 chains per thread, 2 FLOPs per lane).
static std::vector<double> fmaPeak(long iterations, int threads, int passes, double &sink) {
  std::vector<double> gflops;
  std::vector<float> partial(threads * 16);
  for (int p = 0; p < passes + 1; ++p) {
    double s = timedParallel(threads, [&](int t) {
      __m512 acc[16];
      for (int k = 0; k < 16; ++k)
        acc[k] = _mm512_set1_ps(1.0f + 0.001f * float(k + t));
      const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
      for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
        for (int k = 0; k < 16; ++k)
          acc[k] = _mm512_fmadd_ps(acc[k], m, c);
      }
      for (int k = 1; k < 16; ++k)
        acc[0] = _mm512_add_ps(acc[0], acc[k]);
      partial[t * 16] = _mm512_reduce_add_ps(acc[0]);
    });
    for (int t = 0; t < threads; ++t)
      sink += partial[t * 16];
    if (p > 0)
      gflops.push_back(double(iterations) * 16 * 16 * 2 * threads / s / 1e9);
  }
  return gflops;
}

static void printSeries(const char *name, const std::vector<double> &v) {
  std::printf("\"%s\": {\"best\": %.4f, \"median\": %.4f, \"runs\": [", name,
              *std::max_element(v.begin(), v.end()), median(v));
  for (size_t i = 0; i < v.size(); ++i)
    std::printf("%s%.4f", i ? ", " : "", v[i]);
  std::printf("]}");
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  int passes = argc > 2 ? std::atoi(argv[2]) : 7;
  double sink = 0;
  std::printf("{\"threads\": %d, ", threads);
  printSeries("read_1GiB_gbs", readBandwidth(size_t(1) << 30, threads, passes, sink));
  std::printf(", ");
  printSeries("read_256MiB_gbs", readBandwidth(size_t(256) << 20, threads, passes, sink));
  std::printf(", ");
  printSeries("read_32MiB_gbs", readBandwidth(size_t(32) << 20, threads, passes * 3, sink));
  std::printf(", ");
  printSeries("fma_peak_gflops", fmaPeak(40000000L, threads, passes, sink));
  std::printf(", \"sink\": %g}\n", sink);
  return 0;
}
"""


def log(message: str) -> None:
    print(f"[compare_cpu {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(cmd: list, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=True, text=True, **kwargs)


def cpu_busy_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class LoadMeter:
    """CPU time spent by processes other than the measured one during a measurement, in cores:
    (all CPUs' busy time - the measured child's CPU time) / wall time."""

    def __init__(self) -> None:
        self.hz = os.sysconf("SC_CLK_TCK")

    def run(self, cmd: list, stdout_path: Path | None = None, stderr_path: Path | None = None):
        busy0, _ = cpu_busy_jiffies()
        t0 = time.perf_counter()
        out = open(stdout_path, "w") if stdout_path else subprocess.PIPE
        err = open(stderr_path, "w") if stderr_path else subprocess.DEVNULL
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, text=True)
        captured = proc.stdout.read() if proc.stdout else None
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        busy1, _ = cpu_busy_jiffies()
        for f in (out, err):
            if f not in (subprocess.PIPE, subprocess.DEVNULL):
                f.close()
        own = usage.ru_utime + usage.ru_stime
        other = max(0.0, (busy1 - busy0) / self.hz - own) / wall
        if proc.returncode != 0:
            detail = Path(stderr_path).read_text()[-3000:] if stderr_path else ""
            raise RuntimeError(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n{detail}")
        if stdout_path:
            captured = Path(stdout_path).read_text()
        return captured, {"wall_s": wall, "cpu_s": own, "other_load_cores": other}


def wait_idle(threshold: float, limit_s: float = 1200) -> None:
    """Waits (at most limit_s) for the 1-minute load average to fall below threshold."""
    if threshold <= 0:
        return
    deadline = time.time() + limit_s
    while os.getloadavg()[0] > threshold and time.time() < deadline:
        log(f"waiting for the load average ({os.getloadavg()[0]:.2f}) to fall below {threshold}")
        time.sleep(20)


def measured(body, args, label: str):
    """Runs body() -> (figures, load); while other processes used more than --max-other-load
    cores during it, waits for a quiet machine and measures again (at most --retries times),
    keeping the least disturbed measurement."""
    best = None
    for attempt in range(1 + args.retries):
        figures, load = body()
        if best is None or load["other_load_cores"] < best[1]["other_load_cores"]:
            best = (figures, load)
        if load["other_load_cores"] <= args.max_other_load:
            break
        log(f"{label}: other processes used {load['other_load_cores']:.2f} cores; measuring again")
        wait_idle(args.wait_idle or 1.0, 600)
    best[1]["attempts"] = attempt + 1
    return best


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1e3 for s in seconds]
    return {"median": statistics.median(ms), "best": min(ms), "runs": ms}


# ----------------------------------------------------------------------------------------
# Workers: one engine and precision per subprocess. Each prints one JSON line on stdout.
# ----------------------------------------------------------------------------------------
def measure(engine, vocab: int, args) -> dict:
    """Same methodology as `gpt2c-run bench`: prefill = forward of the prompt (last position's
    logits); time to first token = prefill plus the greedy argmax; decode = per token, forward
    of one token plus its argmax. Prompt ids are pseudo-random (seeded)."""
    rng = random.Random(2024)
    result = {"prefill": {}}
    for n in args.prefill:
        ids = [rng.randrange(vocab) for _ in range(n)]
        times = []
        for i in range(args.warmup + args.runs):
            engine.reset()
            t0 = time.perf_counter()
            engine.forward(ids)
            elapsed = time.perf_counter() - t0
            if i >= args.warmup:
                times.append(elapsed)
        s = summary_ms(times)
        s["tokens_per_s"] = n / (s["median"] / 1e3)
        result["prefill"][str(n)] = s
    ids = [rng.randrange(vocab) for _ in range(args.ttft_prompt)]
    ttft, decode, tokens = [], [], None
    for i in range(args.warmup + args.runs):
        engine.reset()
        t0 = time.perf_counter()
        token = engine.argmax(engine.forward(ids))
        t1 = time.perf_counter()
        generated = [token]
        for _ in range(args.decode):
            token = engine.argmax(engine.forward([token]))
            generated.append(token)
        t2 = time.perf_counter()
        if i >= args.warmup:
            ttft.append(t1 - t0)
            decode.append((t2 - t1) / args.decode)
        tokens = generated
    result["ttft"] = summary_ms(ttft)
    result["decode_ms_per_token"] = summary_ms(decode)
    result["decode_tokens_per_s"] = 1e3 / result["decode_ms_per_token"]["median"]
    result["decode_first_tokens"] = tokens[:8]
    return result


class LlamaEngine:
    """llama.cpp through llama-cpp-python's ctypes bindings of llama.h, the context at
    llama.cpp's own defaults except the sizes and thread counts."""

    def __init__(self, model_path: str, threads: int, n_ctx: int = 1024, flash_attn: str = ""):
        import llama_cpp as L
        import numpy as np

        self.L, self.np = L, np
        L.llama_backend_init()
        mparams = L.llama_model_default_params()
        self.model = L.llama_model_load_from_file(model_path.encode(), mparams)
        if not self.model:
            raise RuntimeError(f"llama.cpp could not load {model_path}")
        cparams = L.llama_context_default_params()
        cparams.n_ctx = n_ctx
        cparams.n_batch = 512
        cparams.n_ubatch = 512
        cparams.n_seq_max = 1
        cparams.n_threads = threads
        cparams.n_threads_batch = threads
        cparams.no_perf = True
        if flash_attn:
            cparams.flash_attn_type = {"auto": -1, "off": 0, "on": 1}[flash_attn]
        self.flash_attn_type = int(cparams.flash_attn_type)
        self.ctx = L.llama_init_from_model(self.model, cparams)
        if not self.ctx:
            raise RuntimeError("llama.cpp could not create a context")
        self.memory = L.llama_get_memory(self.ctx)
        self.vocab_handle = L.llama_model_get_vocab(self.model)
        self.vocab = L.llama_vocab_n_tokens(self.vocab_handle)
        self.system_info = L.llama_print_system_info().decode()

    def reset(self) -> None:
        self.L.llama_memory_clear(self.memory, True)

    def forward(self, ids: list[int]):
        """Decodes `ids` after the cached ones; returns the last position's logits."""
        L = self.L
        tokens = (L.llama_token * len(ids))(*ids)
        rc = L.llama_decode(self.ctx, L.llama_batch_get_one(tokens, len(ids)))
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")
        pointer = L.llama_get_logits_ith(self.ctx, -1)  # synchronizes
        return self.np.ctypeslib.as_array(pointer, shape=(self.vocab,))

    def argmax(self, logits) -> int:
        return int(logits.argmax())

    def tokenize(self, text: str) -> list[int]:
        L = self.L
        data = text.encode()
        out = (L.llama_token * (len(data) + 8))()
        n = L.llama_tokenize(self.vocab_handle, data, len(data), out, len(out), False, False)
        return list(out[:n])


class TorchEngine:
    """transformers GPT2LMHeadModel in eager PyTorch with its KV cache; only the last
    position's logits are computed (logits_to_keep=1), as gpt2c and llama.cpp do."""

    def __init__(self, hf_dir: str, threads: int, dtype: str):
        import torch
        from transformers import GPT2LMHeadModel

        torch.set_num_threads(threads)
        self.torch = torch
        self.dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
        self.model = GPT2LMHeadModel.from_pretrained(hf_dir, dtype=self.dtype).eval()
        self.attn = getattr(self.model.config, "_attn_implementation", None)
        self.vocab = self.model.config.vocab_size
        self.past = None
        self.length = 0

    def reset(self) -> None:
        self.past = None
        self.length = 0

    def forward(self, ids: list[int]):
        torch = self.torch
        with torch.inference_mode():
            input_ids = torch.tensor([ids], dtype=torch.long)
            out = self.model(input_ids=input_ids, past_key_values=self.past, use_cache=True,
                             logits_to_keep=1)
        self.past = out.past_key_values
        self.length += len(ids)
        return out.logits[0, -1]

    def argmax(self, logits) -> int:
        return int(logits.argmax())


def worker_main(args) -> None:
    if args.worker == "llama":
        engine = LlamaEngine(args.model, args.threads, flash_attn=args.flash_attn)
        info = {"flash_attn_type": engine.flash_attn_type, "system_info": engine.system_info}
    else:
        engine = TorchEngine(args.model, args.threads, args.dtype)
        import torch
        import transformers

        info = {"torch": torch.__version__, "transformers": transformers.__version__,
                "attn_implementation": engine.attn, "threads": torch.get_num_threads(),
                "mkldnn_bf16": bool(torch.backends.mkldnn.is_available())}
    if args.sanity_ids:
        ids = [int(x) for x in args.sanity_ids.split(",")]
        engine.reset()
        logits = engine.forward(ids)
        last = [float(x) for x in (logits.float().tolist() if hasattr(logits, "float")
                                   else logits.tolist())]
        greedy, token = [], engine.argmax(logits)
        for _ in range(SANITY_GREEDY):
            greedy.append(token)
            token = engine.argmax(engine.forward([token]))
        result = {"logits": last, "greedy": greedy}
        if args.worker == "llama":
            result["tokenized"] = engine.tokenize(SANITY_TEXT)
        print(json.dumps(result))
        return
    result = measure(engine, engine.vocab, args)
    result["info"] = info
    print(json.dumps(result))


# ----------------------------------------------------------------------------------------
# Driver steps
# ----------------------------------------------------------------------------------------
def measure_limits(work: Path, threads: int, meter: LoadMeter) -> dict:
    source = work / "limits.cpp"
    binary = work / "limits"
    source.write_text(LIMITS_CPP)
    cxx = os.environ.get("CXX", "c++")
    run([cxx, "-O2", "-march=native", "-std=c++17", "-pthread", source, "-o", binary])
    out, load = meter.run([binary, threads])
    limits = json.loads(out)
    limits["load"] = load
    limits["compiler"] = cxx
    return limits


def write_gguf(hf_dir: Path, out: Path, qtype: str) -> None:
    """GPT-2 in the layout llama.cpp's LLM_ARCH_GPT2 loads: Conv1D weights ([in, out] in the
    checkpoint) transposed to [out, in] (ggml ne = [in, out]); names from the gguf package's
    tensor map; no output.weight, as llama.cpp then uses token_embd (tied). Vectors and
    position_embd stay f32, as llama.cpp's converter keeps them; matrices and token_embd are
    stored as `qtype`."""
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    config = json.loads((hf_dir / "config.json").read_text())
    n_layer, n_embd = config["n_layer"], config["n_embd"]
    n_inner = config.get("n_inner") or 4 * n_embd
    tensors = load_file(str(hf_dir / "model.safetensors"))
    names = gguf.TensorNameMap(gguf.MODEL_ARCH.GPT2, n_layer)
    ggml_type = {"f32": gguf.GGMLQuantizationType.F32, "f16": gguf.GGMLQuantizationType.F16,
                 "q8_0": gguf.GGMLQuantizationType.Q8_0}[qtype]
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[qtype]

    tmp = out.with_suffix(".tmp")
    writer = gguf.GGUFWriter(str(tmp), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.GPT2])
    writer.add_name(f"gpt2c synthetic GPT-2 ({hf_dir.name})")
    writer.add_context_length(config["n_positions"])
    writer.add_embedding_length(n_embd)
    writer.add_feed_forward_length(n_inner)
    writer.add_block_count(n_layer)
    writer.add_head_count(config["n_head"])
    writer.add_layer_norm_eps(config["layer_norm_epsilon"])
    writer.add_file_type(int(file_type))

    vocab = json.loads((hf_dir / "vocab.json").read_text(encoding="utf-8"))
    tokens = [None] * len(vocab)
    for token, index in vocab.items():
        tokens[index] = token
    assert all(t is not None for t in tokens) and len(tokens) == config["vocab_size"]
    merges = [line for line in (hf_dir / "merges.txt").read_text(encoding="utf-8").split("\n")
              if line and not line.startswith("#version")]
    eos = config.get("eos_token_id", 50256)
    types = [int(gguf.TokenType.NORMAL)] * len(tokens)
    types[eos] = int(gguf.TokenType.CONTROL)  # <|endoftext|>, a special token
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(config.get("bos_token_id", 50256))
    writer.add_eos_token_id(eos)
    writer.add_add_bos_token(False)

    transposed = (".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight",
                  ".mlp.c_proj.weight")
    for hf_name, data in tensors.items():
        if hf_name.endswith((".attn.bias", ".attn.masked_bias")) or hf_name == "lm_head.weight":
            continue  # causal-mask buffers; lm_head is tied to wte
        name = names.get_name(hf_name.removeprefix("transformer."),
                              try_suffixes=(".weight", ".bias"))
        if name is None:
            raise RuntimeError(f"no GGUF name for {hf_name}")
        data = data.astype(np.float32)
        if hf_name.endswith(transposed):
            data = np.ascontiguousarray(data.T)
        if data.ndim == 1 or name.startswith("position_embd") or qtype == "f32":
            writer.add_tensor(name, data)
        elif qtype == "f16":
            writer.add_tensor(name, data.astype(np.float16))
        else:
            writer.add_tensor(name, gguf.quants.quantize(data, ggml_type), raw_dtype=ggml_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(out)


def gguf_decode_weight_bytes(path: Path, n_embd: int) -> int:
    """Weight bytes llama.cpp reads per decoded token: every tensor once (token_embd as the
    tied output matrix), position_embd only its row."""
    import gguf

    total = 0
    for tensor in gguf.GGUFReader(str(path)).tensors:
        if tensor.name.startswith("position_embd"):
            total += int(tensor.n_bytes) // int(tensor.shape[1] if len(tensor.shape) > 1 else 1)
        else:
            total += int(tensor.n_bytes)
    return total


def gpt2c_cost(build: Path, mlir: Path, weights: str, tokens: int, past: int) -> dict:
    out = run([build / "bin/gpt2c-opt", mlir, f"--gpt2-pipeline=weights={weights}",
               f"--gpt2-cost=batch=1 tokens={tokens} past={past} json=true", "-o", os.devnull],
              capture_output=True).stdout
    functions = {f["name"]: f["total"] for f in json.loads(out)["functions"]}
    return functions


def snapshot_tools(build: Path, out: Path) -> Path:
    """Copies the gpt2c executables (and the object gpt2c compile links) under `out`, laid out
    as in the build tree, so that a rebuild of the shared tree during the run cannot swap them
    between measurements."""
    if out.exists():
        shutil.rmtree(out)
    (out / "bin").mkdir(parents=True)
    for tool in ("gpt2c", "gpt2c-run", "gpt2c-opt", "gpt2c-halide-gen"):
        shutil.copy2(build / "bin" / tool, out / "bin" / tool)
    shutil.copytree(build / "lib/gpt2c", out / "lib/gpt2c")
    return out


def python_for_workers(args) -> str:
    return args.python or sys.executable


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=str(REPO / "build/release"),
                        help="gpt2c build tree (bin/gpt2c, bin/gpt2c-run, bin/gpt2c-opt)")
    parser.add_argument("--shared", default=str(REPO.parent / "shared"),
                        help="shared data directory (tokenizer/gpt2)")
    parser.add_argument("--work", default=str(REPO / "build/compare_cpu"),
                        help="cache of checkpoints, GGUF files, artifacts and logs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--json", help="write every figure to this file")
    parser.add_argument("--engines", default="gpt2c,llama.cpp,pytorch",
                        help="comma-separated subset of gpt2c,llama.cpp,pytorch")
    parser.add_argument("--skip-xl", action="store_true",
                        help="skip timing `gpt2c compile synthetic:gpt2-xl --external-weights`")
    parser.add_argument("--no-compile", action="store_true",
                        help="reuse the artifacts of a previous run (no compile times)")
    parser.add_argument("--flash-attn", default="", choices=["", "auto", "on", "off"],
                        help="llama.cpp flash attention (default: llama.cpp's default)")
    parser.add_argument("--python", help="interpreter for the worker subprocesses")
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="LOAD",
                        help="before compiling and before measuring, wait (at most 20 min) for "
                             "the 1-minute load average to fall below LOAD")
    parser.add_argument("--max-other-load", type=float, default=0.15, metavar="CORES",
                        help="measure a row again when other processes used more CPU than "
                             "this during it (default 0.15 cores)")
    parser.add_argument("--retries", type=int, default=2,
                        help="at most this many re-measurements of a disturbed row (default 2)")
    # Worker mode (internal).
    parser.add_argument("--worker", choices=["llama", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--dtype", default="fp32", help=argparse.SUPPRESS)
    parser.add_argument("--prefill", default=",".join(map(str, PREFILL_LENGTHS)),
                        help=argparse.SUPPRESS)
    parser.add_argument("--ttft-prompt", type=int, default=TTFT_PROMPT, help=argparse.SUPPRESS)
    parser.add_argument("--decode", type=int, default=DECODE_TOKENS, help=argparse.SUPPRESS)
    parser.add_argument("--sanity-ids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.prefill = [int(x) for x in str(args.prefill).split(",")]
    if args.worker:
        worker_main(args)
        return 0

    shared = Path(args.shared).resolve()
    work = Path(args.work).resolve()
    (work / "logs").mkdir(parents=True, exist_ok=True)
    build = snapshot_tools(Path(args.build_dir).resolve(), work / "tools")
    engines = set(args.engines.split(","))
    gpt2c, gpt2c_run = build / "bin/gpt2c", build / "bin/gpt2c-run"
    meter = LoadMeter()
    report: dict = {
        "date": datetime.date.today().isoformat(),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "kernel": platform.release(),
                    "python": platform.python_version()},
        "config": {"threads": args.threads, "runs": args.runs, "warmup": args.warmup,
                   "prefill_tokens": args.prefill, "ttft_prompt_tokens": args.ttft_prompt,
                   "decode_tokens": args.decode, "model": "synthetic:gpt2:1 (124M)"},
        "load_average_start": os.getloadavg(),
        "gpt2c_commit": git(["rev-parse", "HEAD"]),
        "gpt2c_tree_changes": git(["status", "--short", "--untracked-files=no"]).splitlines(),
    }
    worker = [python_for_workers(args), Path(__file__).resolve()]
    common = ["--threads", args.threads, "--runs", args.runs, "--warmup", args.warmup,
              "--prefill", ",".join(map(str, args.prefill)), "--ttft-prompt", args.ttft_prompt,
              "--decode", args.decode]

    # 1. Checkpoint, GGUF files, cost figures.
    hf = work / "hf-gpt2"
    if not (hf / "model.safetensors").exists():
        log("writing the synthetic checkpoint")
        run([gpt2c, "synth", "--config", "gpt2", "--seed", "1", "--tokenizer",
             shared / "tokenizer/gpt2", "-o", hf])
    config = json.loads((hf / "config.json").read_text())
    ggufs = {}
    if "llama.cpp" in engines:
        for qtype in GGUF_TYPES:
            path = work / f"gpt2-{qtype}.gguf"
            if not path.exists() or path.stat().st_mtime < (hf / "model.safetensors").stat().st_mtime:
                log(f"writing {path.name}")
                write_gguf(hf, path, qtype)
            ggufs[qtype] = path
    mlir = work / "gpt2.mlir"
    run([gpt2c, "import", hf, "-o", mlir])
    decode_past = args.ttft_prompt + args.decode // 2  # the middle of the decode run
    cost = {}
    for precision in GPT2C_PRECISIONS:
        cost[precision] = {"decode": gpt2c_cost(build, mlir, precision, 1, decode_past)["decode"]}
        for n in args.prefill:
            cost[precision][f"prefill_{n}"] = gpt2c_cost(build, mlir, precision, n, 0)["prefill"]
    report["cost"] = cost
    # Bytes a decode step reads besides weights (activations, the KV cache), from gpt2c's f32
    # report, added to each peer's own weight bytes.
    non_weight = cost["f32"]["decode"]["bytes_read"] - cost["f32"]["decode"]["weight_bytes"]

    # 2. Sanity check of the conversions against gpt2c's interpreter (the f32 oracle): the last
    # prompt position's logits, and each peer's 16 greedy tokens teacher-forced through the
    # interpreter (every position's argmax must be the peer's next token).
    import numpy as np

    ids = [int(x) for x in run([gpt2c, "tokenize", SANITY_TEXT], capture_output=True).stdout.split()]
    sanity: dict = {"text": SANITY_TEXT, "ids": ids}
    vocab_size = config["vocab_size"]

    def interpreter_logits(sequence: list[int]) -> np.ndarray:
        path = work / "sanity-gpt2c.f32"
        run([gpt2c, "logits", hf, "--ids", ",".join(map(str, sequence)), "--all-positions",
             "--threads", args.threads, "-o", path])
        return np.fromfile(path, dtype=np.float32).reshape(-1, vocab_size)

    peers = [(f"llama.cpp {q}", ["--worker", "llama", "--model", ggufs[q]])
             for q in GGUF_TYPES if "llama.cpp" in engines]
    if "pytorch" in engines:
        peers += [("pytorch fp32", ["--worker", "torch", "--model", hf, "--dtype", "fp32"])]
    for name, extra in peers:
        log(f"sanity check: {name}")
        out, _ = meter.run(worker + extra + ["--threads", args.threads,
                                             "--sanity-ids", ",".join(map(str, ids))],
                           stderr_path=work / "logs" / f"sanity-{name.replace(' ', '-')}.log")
        got = json.loads(out.strip().splitlines()[-1])
        logits = np.array(got["logits"], dtype=np.float32)
        greedy = got["greedy"]
        reference = interpreter_logits(ids + greedy[:-1])
        last = reference[len(ids) - 1]
        forced = [int(x) for x in reference[len(ids) - 1:].argmax(axis=1)]
        entry = {"max_abs_diff": float(np.abs(logits - last).max()),
                 "reference_logit_range": [float(last.min()), float(last.max())],
                 "argmax": int(logits.argmax()), "reference_argmax": int(last.argmax()),
                 "greedy": greedy,
                 "greedy_agreement": sum(int(a == b) for a, b in zip(forced, greedy)),
                 "greedy_tokens": len(greedy)}
        if "tokenized" in got:
            entry["tokenizer_matches"] = got["tokenized"] == ids
        sanity[name] = entry
        log(f"  max |logit diff| {entry['max_abs_diff']:.3g}, greedy agreement "
            f"{entry['greedy_agreement']}/{len(greedy)}")
    report["sanity"] = sanity

    # 3. Compile the artifacts (timed).
    wait_idle(args.wait_idle)
    artifacts, compile_times = {}, {}
    if "gpt2c" in engines:
        for precision in GPT2C_PRECISIONS:
            out = work / f"gpt2-{precision}.gpt2c"
            artifacts[precision] = out
            if args.no_compile and out.exists():
                continue
            if out.exists():
                shutil.rmtree(out)
            log(f"gpt2c compile --weights {precision}")
            _, load = meter.run([gpt2c, "compile", hf, "--target", "x86-avx512", "--weights",
                                 precision, "-o", out],
                                stderr_path=work / "logs" / f"compile-{precision}.log")
            compile_times[f"gpt2 {precision}"] = load
        if not args.skip_xl and not args.no_compile:
            out = work / "gpt2-xl-external.gpt2c"
            if out.exists():
                shutil.rmtree(out)
            log("gpt2c compile synthetic:gpt2-xl --external-weights")
            _, load = meter.run([gpt2c, "compile", "synthetic:gpt2-xl", "--target", "x86-avx512",
                                 "--external-weights", "-o", out],
                                stderr_path=work / "logs" / "compile-xl.log")
            compile_times["gpt2-xl f32 --external-weights"] = load
    report["compile"] = compile_times

    wait_idle(args.wait_idle)

    # 4. Machine limits, measured in this run.
    log("measuring read bandwidth and FMA peak")
    limits, _ = measured(lambda: (lambda l: (l, l["load"]))(measure_limits(work, args.threads, meter)),
                         args, "limits")
    bandwidth = limits["read_1GiB_gbs"]["best"]
    peak = limits["fma_peak_gflops"]["best"]
    report["limits"] = limits

    # 5. The engines.
    results = []

    def add(engine: str, weights: str, figures: dict, decode_bytes: int, load: dict,
            info: dict | None = None):
        entry = {"engine": engine, "weights": weights, **figures, "load": load}
        if info:
            entry["info"] = info
        decode_s = figures["decode_ms_per_token"]["median"] / 1e3
        entry["decode_bytes_per_token"] = decode_bytes
        entry["decode_gbs"] = decode_bytes / decode_s / 1e9
        entry["decode_fraction_of_bandwidth"] = entry["decode_gbs"] / bandwidth
        for n in args.prefill:
            flops = cost["f32"][f"prefill_{n}"]["flops"]
            p = entry["prefill"][str(n)]
            p["flops"] = flops
            p["gflops"] = flops / (p["median"] / 1e3) / 1e9
            p["fraction_of_peak"] = p["gflops"] / peak
        results.append(entry)
        log(f"{engine} {weights}: decode {figures['decode_ms_per_token']['median']:.2f} ms/token, "
            f"ttft {figures['ttft']['median']:.2f} ms, other load {load['other_load_cores']:.2f}")

    if "gpt2c" in engines:
        for precision in GPT2C_PRECISIONS:
            bench = [gpt2c_run, "bench", artifacts[precision], "--threads", args.threads,
                     "--runs", args.runs, "--warmup", args.warmup, "--json"]

            def gpt2c_bench(prompt: int, decode: int):
                out, load = meter.run(bench + ["--prompt-tokens", prompt, "--decode-tokens", decode])
                return json.loads(out), load

            figures: dict = {"prefill": {}}
            loads = []
            for n in args.prefill:
                got, load = measured(lambda: gpt2c_bench(n, 0), args, f"gpt2c {precision} prefill {n}")
                loads.append(load)
                figures["prefill"][str(n)] = {"median": got["prefill_ms"]["median"],
                                              "best": got["prefill_ms"]["best"],
                                              "tokens_per_s": n / (got["prefill_ms"]["median"] / 1e3)}
            got, load = measured(lambda: gpt2c_bench(args.ttft_prompt, args.decode), args,
                                 f"gpt2c {precision} decode")
            loads.append(load)
            figures["ttft"] = got["time_to_first_token_ms"]
            figures["decode_ms_per_token"] = got["decode_ms_per_token"]
            figures["decode_tokens_per_s"] = 1e3 / got["decode_ms_per_token"]["median"]
            load = {"other_load_cores": max(l["other_load_cores"] for l in loads),
                    "parts": loads}
            add("gpt2c", precision, figures, cost[precision]["decode"]["bytes_read"], load,
                {"backend": got["backend"]})

    def worker_row(extra: list, log_name: str, label: str):
        def body():
            out, load = meter.run(worker + extra + common,
                                  stderr_path=work / "logs" / f"{log_name}.log")
            return json.loads(out.strip().splitlines()[-1]), load
        got, load = measured(body, args, label)
        return got, got.pop("info"), load

    if "llama.cpp" in engines:
        n_embd = config["n_embd"]
        for qtype in GGUF_TYPES:
            extra = ["--worker", "llama", "--model", ggufs[qtype]]
            if args.flash_attn:
                extra += ["--flash-attn", args.flash_attn]
            got, info, load = worker_row(extra, f"llama-{qtype}", f"llama.cpp {qtype}")
            add("llama.cpp", qtype, got,
                gguf_decode_weight_bytes(ggufs[qtype], n_embd) + non_weight, load, info)

    if "pytorch" in engines:
        for dtype, precision in (("fp32", "f32"), ("bf16", "bf16")):
            try:
                got, info, load = worker_row(["--worker", "torch", "--model", hf, "--dtype", dtype],
                                             f"torch-{dtype}", f"pytorch {dtype}")
            except RuntimeError as error:
                log(f"pytorch {dtype} failed: {str(error)[:300]}")
                report.setdefault("failed", []).append(f"pytorch {dtype}")
                continue
            weight_bytes = cost[precision]["decode"]["weight_bytes"]
            add("pytorch", dtype, got, weight_bytes + non_weight, load, info)

    report["results"] = results
    report["targets"] = evaluate_targets(results, compile_times)
    report["load_average_end"] = os.getloadavg()
    print_tables(report, bandwidth, peak, args.prefill)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
        log(f"wrote {args.json}")
    return 0


def git(arguments: list) -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO)] + arguments, capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return ""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def evaluate_targets(results: list, compile_times: dict) -> list:
    """Issue 5's targets, each with its measured value and distance (value / target: >= 1 is
    met for 'at least' targets, <= 1 for 'at most')."""
    def find(engine, weights):
        for r in results:
            if r["engine"] == engine and r["weights"] == weights:
                return r
        return None

    def tps(r):
        return r["decode_tokens_per_s"]

    targets = []

    def at_least(name, value, target, unit=""):
        if value is None:
            return
        targets.append({"target": name, "value": value, "threshold": target, "unit": unit,
                        "met": value >= target, "ratio_to_threshold": value / target})

    def at_most(name, value, target, unit=""):
        if value is None:
            return
        targets.append({"target": name, "value": value, "threshold": target, "unit": unit,
                        "met": value <= target, "ratio_to_threshold": value / target})

    llama_f16, llama_q8, llama_f32 = find("llama.cpp", "f16"), find("llama.cpp", "q8_0"), find("llama.cpp", "f32")
    for w in ("bf16", "f16"):
        g = find("gpt2c", w)
        if g and llama_f16:
            at_least(f"decode gpt2c {w} >= 1.10x llama.cpp f16", tps(g) / tps(llama_f16), 1.10, "x")
        if g:
            at_least(f"decode gpt2c {w} >= 90% of read bandwidth",
                     g["decode_fraction_of_bandwidth"], 0.90, "of bandwidth")
    g = find("gpt2c", "int8")
    if g and llama_q8:
        at_least("decode gpt2c int8 >= 1.3x llama.cpp q8_0", tps(g) / tps(llama_q8), 1.3, "x")
    g = find("gpt2c", "f32")
    if g and llama_f32:
        at_least("decode gpt2c f32 >= llama.cpp f32", tps(g) / tps(llama_f32), 1.0, "x")
    gpt2c_rows = [r for r in results if r["engine"] == "gpt2c"]
    peer_rows = [r for r in results if r["engine"] != "gpt2c"]
    for n in sorted({int(k) for r in results for k in r["prefill"]}):
        if gpt2c_rows and peer_rows:
            best_peer = max(peer_rows, key=lambda r: r["prefill"][str(n)]["tokens_per_s"])
            for g in gpt2c_rows:
                at_least(f"prefill {n}: gpt2c {g['weights']} >= 1.3x best peer "
                         f"({best_peer['engine']} {best_peer['weights']})",
                         g["prefill"][str(n)]["tokens_per_s"] / best_peer["prefill"][str(n)]["tokens_per_s"],
                         1.3, "x")
    for g in gpt2c_rows:
        at_most(f"TTFT (12-token prompt) gpt2c {g['weights']} <= 15 ms",
                g["ttft"]["median"], 15.0, "ms")
    torch_rows = [r for r in results if r["engine"] == "pytorch"]
    if torch_rows and gpt2c_rows:
        best_torch, best_gpt2c = max(torch_rows, key=tps), max(gpt2c_rows, key=tps)
        at_least(f"decode best gpt2c ({best_gpt2c['weights']}) >= 3x best PyTorch eager "
                 f"({best_torch['weights']})", tps(best_gpt2c) / tps(best_torch), 3.0, "x")
        for mine, theirs in (("f32", "fp32"), ("bf16", "bf16")):
            g, t = find("gpt2c", mine), find("pytorch", theirs)
            if g and t:
                at_least(f"decode gpt2c {mine} >= 3x PyTorch eager {theirs}", tps(g) / tps(t),
                         3.0, "x")
    for name, t in compile_times.items():
        limit = 300.0 if "xl" in name else 60.0
        at_most(f"compile {name} <= {limit:.0f} s", t["wall_s"], limit, "s")
    return targets


def print_tables(report: dict, bandwidth: float, peak: float, lengths: list) -> None:
    limits = report["limits"]
    print(f"\nMachine: {report['machine']['cpu']}, {report['machine']['cores']} cores; "
          f"{report['config']['threads']} threads; median of {report['config']['runs']} runs "
          f"after {report['config']['warmup']} warm-up")
    print(f"Read bandwidth (1 GiB sum): {bandwidth:.2f} GB/s best, "
          f"{limits['read_1GiB_gbs']['median']:.2f} median; 256 MiB: "
          f"{limits['read_256MiB_gbs']['best']:.2f}; 32 MiB: {limits['read_32MiB_gbs']['best']:.2f}")
    print(f"FMA peak (f32): {peak:.1f} GFLOP/s best, {limits['fma_peak_gflops']['median']:.1f} median\n")
    head = ["engine", "weights"]
    for n in lengths:
        head += [f"prefill {n} tok/s", f"(% peak)"]
    head += ["TTFT 12 ms", "decode ms/tok", "decode tok/s", "MB/tok", "GB/s", "% BW", "other load"]
    rows = []
    for r in report["results"]:
        row = [r["engine"], r["weights"]]
        for n in lengths:
            p = r["prefill"][str(n)]
            row += [f"{p['tokens_per_s']:.1f}", f"{100 * p['fraction_of_peak']:.1f}%"]
        row += [f"{r['ttft']['median']:.2f}", f"{r['decode_ms_per_token']['median']:.2f}",
                f"{r['decode_tokens_per_s']:.1f}", f"{r['decode_bytes_per_token'] / 1e6:.1f}",
                f"{r['decode_gbs']:.2f}", f"{100 * r['decode_fraction_of_bandwidth']:.1f}%",
                f"{r['load']['other_load_cores']:.2f}"]
        rows.append(row)
    print_markdown(head, rows)
    print()
    if report.get("sanity"):
        s = report["sanity"]
        print(f"Sanity check against gpt2c's f32 interpreter, prompt {s['text']!r} = ids {s['ids']}:")
        for name, e in s.items():
            if isinstance(e, dict) and "max_abs_diff" in e:
                extra = (f", tokenizer {'matches' if e['tokenizer_matches'] else 'DIFFERS'}"
                         if "tokenizer_matches" in e else "")
                print(f"  {name}: max |logit diff| {e['max_abs_diff']:.3g} (logits in "
                      f"[{e['reference_logit_range'][0]:.2f}, {e['reference_logit_range'][1]:.2f}]), "
                      f"argmax {e['argmax']} vs {e['reference_argmax']}, greedy "
                      f"{e['greedy_agreement']}/{e['greedy_tokens']} tokens agree{extra}")
        print()
    if report["compile"]:
        print_markdown(["compile", "wall s", "other load"],
                       [[k, f"{v['wall_s']:.1f}", f"{v['other_load_cores']:.2f}"]
                        for k, v in report["compile"].items()])
        print()
    print_markdown(["target", "value", "threshold", "met", "value/threshold"],
                   [[t["target"], f"{t['value']:.3g} {t['unit']}", f"{t['threshold']:.3g}",
                     "yes" if t["met"] else "no", f"{t['ratio_to_threshold']:.2f}"]
                    for t in report["targets"]])


def print_markdown(head: list, rows: list) -> None:
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    sys.exit(main())
