// bench_x86_kernels: the x86 Halide kernels on GPT-2 124M shapes (the kernels of
// test/codegen/x86/bench_kernels.json, compiled like production, without asserts).
//
//   bench_x86_kernels [passes [name-filter]]
//
// Decode (M = 1) fused_linear and lm_head are bound by weight bandwidth: each call
// gets a different copy of its weights, cycling over at least 1 GiB of copies so
// that weights come from DRAM as in a real decode step (the L3 is large), and the
// figure is weight bytes read (values plus int8 scales) per second, also as a
// share of the read bandwidth measured in the same run (a 1 GiB sum, 2 threads).
// Prefill (M = 128) GEMMs are bound by arithmetic: GFLOP/s, also as a share of
// the FMA peak measured in the same run. Kernels run on Halide's thread pool
// (2 threads on the 2-core development machine).
#include "HalideBuffer.h"
#include "kernels.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

using Halide::Runtime::Buffer;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kGiB = std::size_t(1) << 30;
constexpr int kThreads = 2;

double seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs body(thread) on kThreads threads and waits for them.
void onThreads(const std::function<void(int)> &body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(body, t);
  for (std::thread &thread : threads)
    thread.join();
}

// 16 float lanes, so that the sum is not limited by one add per element.
typedef float Lanes __attribute__((vector_size(64)));

// 1 GiB of bytes 0x3c: as float32, bfloat16, int8 and scales all small normal
// numbers. The bandwidth probe sums it; weight copies are views into it.
struct Arena {
  std::uint8_t *bytes;
  Arena() : bytes(static_cast<std::uint8_t *>(std::aligned_alloc(4096, kGiB))) {
    onThreads([&](int t) { std::memset(bytes + kGiB / kThreads * t, 0x3c, kGiB / kThreads); });
  }
  ~Arena() { std::free(bytes); }
};

// GB/s of a float sum over the arena, each thread summing its half; best of 5.
double measureReadBandwidth(const Arena &arena) {
  const std::size_t count = kGiB / sizeof(float);
  const float *data = reinterpret_cast<const float *>(arena.bytes);
  double best = 0;
  std::vector<float> sums(kThreads);
  for (int run = 0; run < 5; ++run) {
    Clock::time_point start = Clock::now();
    onThreads([&](int t) {
      const Lanes *begin = reinterpret_cast<const Lanes *>(data + count / kThreads * t);
      const std::size_t vectors = count / kThreads / 16;
      Lanes a = {}, b = {}, c = {}, d = {};
      for (std::size_t i = 0; i < vectors; i += 4) {
        a += begin[i];
        b += begin[i + 1];
        c += begin[i + 2];
        d += begin[i + 3];
      }
      Lanes total = a + b + c + d;
      float sum = 0;
      for (int lane = 0; lane < 16; ++lane)
        sum += total[lane];
      sums[t] = sum;
    });
    best = std::max(best, double(kGiB) / seconds(start) / 1e9);
  }
  if (sums[0] < 0)
    std::puts("");
  return best;
}

// GFLOP/s of independent fused multiply-adds on 16 float lanes, kThreads threads;
// best of 5 runs.
double measureFmaPeak() {
  constexpr long kIterations = 10'000'000;
  std::vector<float> sinks(kThreads);
  double best = 0;
  for (int run = 0; run < 5; ++run) {
    Clock::time_point start = Clock::now();
    onThreads([&](int t) {
      Lanes acc[12];
      Lanes x, y;
      for (int lane = 0; lane < 16; ++lane) {
        x[lane] = 1.0f + 1e-7f * float(lane + t);
        y[lane] = 1e-7f;
      }
      for (Lanes &a : acc)
        a = y;
      for (long i = 0; i < kIterations; ++i)
        for (Lanes &a : acc)
          a = a * x + y;
      float sink = 0;
      for (Lanes &a : acc)
        sink += a[0];
      sinks[t] = sink;
    });
    best = std::max(best, 2.0 * 16 * 12 * double(kIterations) * kThreads / seconds(start) / 1e9);
  }
  if (sinks[0] < 0)
    std::puts("");
  return best;
}

// --- fused_linear and lm_head ----------------------------------------------------

struct Arguments {
  halide_buffer_t *x, *weight, *scales, *bias, *gamma, *beta, *residual, *y;
};
using Kernel = std::function<int(const Arguments &)>;

struct Product {
  std::string name;
  int k, n;
  std::string dtype; // f32, bf16, int8 (int8: groups of 64)
  bool kn;           // weight stored w(n, k) rather than w(k, n)
  Kernel kernel;
};

std::size_t elementBytes(const std::string &dtype) {
  return dtype == "f32" ? 4 : dtype == "bf16" ? 2 : 1;
}

// A weight copy: values and (int8) scales, as Halide buffers over arena memory.
struct WeightCopy {
  Buffer<void> values;
  Buffer<float> scales;
};

std::size_t weightBytes(const Product &p) {
  return std::size_t(p.k) * p.n * elementBytes(p.dtype) +
         (p.dtype == "int8" ? std::size_t(p.k / 64) * p.n * sizeof(float) : 0);
}

// As many page-aligned weight copies of a product as the arena holds (at most `limit`).
std::vector<WeightCopy> makeCopies(const Product &p, const Arena &arena, int limit) {
  const std::size_t values = std::size_t(p.k) * p.n, groups = p.k / 64;
  const std::size_t valueBytes = values * elementBytes(p.dtype);
  const std::size_t stride = (weightBytes(p) + 4095) / 4096 * 4096;
  halide_type_t type = p.dtype == "f32"    ? halide_type_t(halide_type_float, 32)
                       : p.dtype == "bf16" ? halide_type_t(halide_type_uint, 16)
                                           : halide_type_t(halide_type_int, 8);
  std::vector<WeightCopy> copies;
  for (std::size_t offset = 0; offset + stride <= kGiB && int(copies.size()) < limit;
       offset += stride) {
    std::uint8_t *start = arena.bytes + offset;
    WeightCopy copy;
    int extent0 = p.kn ? p.n : p.k, extent1 = p.kn ? p.k : p.n;
    copy.values = Buffer<void>(type, start, extent0, extent1);
    if (p.dtype == "int8")
      copy.scales = Buffer<float>(reinterpret_cast<float *>(start + valueBytes), int(groups), p.n);
    copies.push_back(std::move(copy));
  }
  return copies;
}

struct Activations {
  Buffer<float> x, bias, gamma, beta, residual, y;
  Activations(int k, int n, int rows)
      : x(k, rows), bias(n), gamma(k), beta(k), residual(n, rows), y(n, rows) {
    x.for_each_element([&](int i, int m) { x(i, m) = 0.001f * float((i * 7 + m) % 13); });
    bias.fill(0.01f);
    gamma.fill(1.0f);
    beta.fill(0.0f);
    residual.fill(0.5f);
  }
  Arguments arguments(WeightCopy &copy) {
    return {x.raw_buffer(),     copy.values.raw_buffer(), copy.scales.raw_buffer(),
            bias.raw_buffer(),  gamma.raw_buffer(),       beta.raw_buffer(),
            residual.raw_buffer(), y.raw_buffer()};
  }
};

void check(int status, const std::string &name) {
  if (status != 0) {
    std::fprintf(stderr, "bench_x86_kernels: %s failed with status %d\n", name.c_str(), status);
    std::exit(1);
  }
}

// Decode: one row, each call on the next weight copy of the 1 GiB arena, so that
// weights come from DRAM. Prints GB/s of weight bytes (best of `passes` passes).
void benchDecode(const Product &p, const Arena &arena, int passes, double bandwidth) {
  std::vector<WeightCopy> copies = makeCopies(p, arena, 1 << 20);
  Activations activations(p.k, p.n, 1);
  check(p.kernel(activations.arguments(copies[0])), p.name);
  double best = 1e30;
  for (int pass = 0; pass < passes; ++pass) {
    Clock::time_point start = Clock::now();
    for (WeightCopy &copy : copies)
      p.kernel(activations.arguments(copy));
    best = std::min(best, seconds(start) / double(copies.size()));
  }
  double gbps = double(weightBytes(p)) / best / 1e9;
  std::printf("%-26s %5d x %-5d %-5s %-3s %9.1f %8.2f %6.1f%%\n", p.name.c_str(), p.k, p.n,
              p.dtype.c_str(), p.kn ? "kn" : "nk", best * 1e6, gbps, 100.0 * gbps / bandwidth);
}

// Prefill: `rows` rows, weights cache-resident (each weight is reused by every row).
void benchPrefill(const Product &p, const Arena &arena, int rows, int runs, double peak) {
  WeightCopy weights = makeCopies(p, arena, 1)[0];
  Activations activations(p.k, p.n, rows);
  check(p.kernel(activations.arguments(weights)), p.name);
  double best = 1e30;
  for (int run = 0; run < runs; ++run) {
    Clock::time_point start = Clock::now();
    p.kernel(activations.arguments(weights));
    best = std::min(best, seconds(start));
  }
  double gflops = 2.0 * rows * p.k * p.n / best / 1e9;
  std::printf("%-26s %4d x %4d x %-5d %-5s %-3s %9.1f %8.1f %6.1f%%\n", p.name.c_str(), rows,
              p.k, p.n, p.dtype.c_str(), p.kn ? "kn" : "nk", best * 1e6, gflops,
              100.0 * gflops / peak);
}

// Wrappers binding each generated kernel's argument list.
#define NORM(fn) [](const Arguments &a) { return fn(a.x, a.weight, a.bias, a.gamma, a.beta, a.y); }
#define NORM_Q(fn)                                                                                 \
  [](const Arguments &a) { return fn(a.x, a.weight, a.scales, a.bias, a.gamma, a.beta, a.y); }
#define RESIDUAL(fn) [](const Arguments &a) { return fn(a.x, a.weight, a.bias, a.residual, a.y); }
#define RESIDUAL_Q(fn)                                                                             \
  [](const Arguments &a) { return fn(a.x, a.weight, a.scales, a.bias, a.residual, a.y); }
#define LOGITS(fn) [](const Arguments &a) { return fn(a.x, a.weight, a.y); }
#define LOGITS_Q(fn) [](const Arguments &a) { return fn(a.x, a.weight, a.scales, a.y); }

#define DECODE_LAYER(dtype, layout, KN, N, R)                                                      \
  {"decode_qkv_" #dtype "_" #layout, 768, 2304, #dtype, KN, N(decode_qkv_##dtype##_##layout)},   \
      {"decode_proj_" #dtype "_" #layout, 768, 768, #dtype, KN,                                    \
       R(decode_proj_##dtype##_##layout)},                                                         \
      {"decode_fc1_" #dtype "_" #layout, 768, 3072, #dtype, KN, N(decode_fc1_##dtype##_##layout)}, \
      {"decode_fc2_" #dtype "_" #layout, 3072, 768, #dtype, KN, R(decode_fc2_##dtype##_##layout)}

} // namespace

int main(int argc, char **argv) {
  const int passes = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const std::string filter = argc > 2 ? argv[2] : "";
  auto selected = [&](const Product &p) { return p.name.find(filter) != std::string::npos; };
  const Arena arena;
  const double bandwidth = measureReadBandwidth(arena);
  const double peak = measureFmaPeak();
  std::printf("measured read bandwidth (1 GiB sum, %d threads): %.2f GB/s\n", kThreads,
              bandwidth);
  std::printf("measured FMA peak (16-lane FMAs, %d threads): %.1f GFLOP/s\n\n", kThreads, peak);

  const Product decode[] = {
      DECODE_LAYER(f32, nk, false, NORM, RESIDUAL),
      DECODE_LAYER(bf16, nk, false, NORM, RESIDUAL),
      DECODE_LAYER(int8, nk, false, NORM_Q, RESIDUAL_Q),
      DECODE_LAYER(f32, kn, true, NORM, RESIDUAL),
      DECODE_LAYER(bf16, kn, true, NORM, RESIDUAL),
      DECODE_LAYER(int8, kn, true, NORM_Q, RESIDUAL_Q),
      {"lm_head_f32", 768, 50257, "f32", false, LOGITS(lm_head_f32)},
      {"lm_head_bf16", 768, 50257, "bf16", false, LOGITS(lm_head_bf16)},
      {"lm_head_int8", 768, 50257, "int8", false, LOGITS_Q(lm_head_int8)},
  };
  std::printf("decode (M = 1), weights from DRAM   k     n     dtype lay   us/call     GB/s  of bw\n");
  for (const Product &p : decode)
    if (selected(p))
      benchDecode(p, arena, passes, bandwidth);

  const Product prefill[] = {
      {"prefill_fc1_f32_kn", 768, 3072, "f32", true, NORM(prefill_fc1_f32_kn)},
      {"prefill_fc1_bf16_kn", 768, 3072, "bf16", true, NORM(prefill_fc1_bf16_kn)},
      {"prefill_fc1_int8_kn", 768, 3072, "int8", true, NORM_Q(prefill_fc1_int8_kn)},
      {"prefill_fc1_f32_nk", 768, 3072, "f32", false, NORM(prefill_fc1_f32_nk)},
  };
  std::printf("\nprefill GEMM                         M x    k x n     dtype lay   us/call  GFLOP/s  of peak\n");
  for (const Product &p : prefill)
    if (selected(p))
      benchPrefill(p, arena, 128, 20, peak);
  // A long prompt: the same kernels on 1024 rows.
  for (const Product &p : prefill)
    if (selected(p))
      benchPrefill(p, arena, 1024, 5, peak);
  return 0;
}
