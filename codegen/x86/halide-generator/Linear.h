#pragma once
// The matrix product shared by fused_linear and lm_head: acc(n, m) = sum_k x(k, m) W(k, n)
// for a packed weight matrix, with the two schedules of ../KERNELS.md's consumers:
//
//   "gemv" (decode: few rows). Weights are read in their stored form, each byte once:
//     the N outputs are split into tasks of n_per_task columns (parallel), rows are
//     taken tile_m at a time and a task's weights stay in L2 across row tiles.
//     layout kn (w(n, k)): vectorised over n; for each k, every accumulator of the
//       task's columns gets x(k, m) * w(n.., k) (unroll: k rows per accumulator pass,
//       tile_n: columns per inner register tile).
//     layout nk (w(k, n)): tile_n dot products at once, vectorised over k into `vector`
//       partial sums per output (unroll: vector steps unrolled), reduced once at the end.
//     int8: the products of a group are summed first, then scaled once per group.
//     activations "int8" (int8 weights, layout nk): the input rows are quantised too,
//       symmetric int8 with one scale per activation_group values along k, and each
//       vector step is one VNNI dot product (vpdpbusd) of 64 weight bytes, read as
//       stored, with 64 activation bytes; the weights are made unsigned (+128) in
//       registers and the 128 * sum(activations) this adds is the accumulators'
//       starting value. Sums are int32 within a group, scaled once per group.
//     prefetch: weights of the step that many steps ahead are prefetched, one
//       instruction per cache line; past the end of a row it reaches the next rows.
//     split_k (kn or kpairs; unquantized, or int8 with one scale per channel, applied to the
//       finished sums): the K rows are cut into split_k consecutive chunks,
//       each task sums its chunk's rows over n_per_task columns (default all n) into
//       partial sums, which are added up afterwards. With whole rows per task each
//       thread reads one contiguous stretch of the matrix, which the hardware
//       prefetchers follow, instead of a few cache lines of every row.
//     activations "bf16" (bf16 weights, layout kpairs or nk): the input rows are
//       rounded to bf16 (to nearest, ties to even) and every 32 products are one bf16
//       dot-product instruction (vdpbf16ps, float32 sums) reading the weights as stored:
//       no widening. A reduction step is one pair of k (kpairs) or 2 x vector values of
//       k (nk); unroll counts these steps. kpairs with float32 activations reads the
//       pairs as uint32 words, widened with one shift or mask each.
//   "gemm" (prefill: many rows). Each task packs its n_per_task columns into a float32
//     panel (widened, int8 scale applied, transposed for nk) once, then computes
//     tile_m x tile_n register tiles over all rows, reading the panel from L2 and the
//     tile_m input rows from L1; unroll: k steps unrolled.
#include "Spec.h"
#include "Weights.h"

#include "Halide.h"

namespace gpt2c::halide {

// Where the packer put a fused_linear matrix: kn = w(n, k), nk = w(k, n),
// kpairs = bf16 w(2 n + j, p) holding W(2 p + j, n) (Weights.h, ReducedPairs).
enum class WeightLayout { KN, NK, KPairs };

struct LinearSchedule {
  bool gemm = false;   // "strategy": "gemv" (default) or "gemm"
  int lanes = 16;      // "vector": float32 lanes per vector
  int tileM = 1;       // "tile_m": rows per register tile
  int tileN = 0;       // "tile_n": outputs per register tile
  int nPerTask = 0;    // "n_per_task": output columns per parallel task
  int unroll = 1;      // "unroll": reduction steps unrolled
  bool parallel = true; // "parallel": split tasks over the thread pool
  int prefetch = 0;     // "prefetch": gemv only; software-prefetch the weights this
                        // many streaming steps ahead (0: leave it to the hardware)
  int splitK = 1;       // "split_k": gemv kn only; chunks of K summed by separate tasks
  bool int8Activations = false; // "activations": "int8" (default "f32")
  bool bf16Activations = false; // "activations": "bf16"
  int activationGroup = 0;      // "activation_group": values per activation scale
};

// Reads and validates the schedule fields above for a K x N product; the
// defaults suit a 2-core AVX-512 machine.
LinearSchedule readLinearSchedule(SpecObject &schedule, const Halide::Target &target,
                                  WeightLayout layout, const PackedMatrix &weight, int k, int n);

class LinearProduct {
public:
  // x(k, m) with `rows` rows (M, run-time); n and m are the consumer's variables.
  LinearProduct(Halide::Func x, Halide::Expr rows, const PackedMatrix &weight,
                WeightLayout layout, int k, const LinearSchedule &schedule,
                Halide::Var nVar, Halide::Var mVar);

  // acc(n, m), to be consumed pointwise by `out`.
  Halide::Func result() const { return acc_; }

  // Schedules the product and `out(n, m)`, the output consuming it.
  void schedule(Halide::Func out);

private:
  // Whether the gemv runs split-K tasks (kn with split_k > 1, and kpairs always).
  bool splitsK() const;
  // bf16 activations, kpairs: W(2 pair + j, n) x(2 pair + j, m) in float32.
  Halide::Expr pairProduct(const Halide::Expr &n, const Halide::Expr &j,
                           const Halide::Expr &pair, const Halide::Expr &m);
  void defineGemvKn();
  void defineGemvKnSplit();
  void defineGemvNk();
  void defineGemvNkInt8();
  void defineGemm();
  void scheduleGemvKn(Halide::Func out);
  void scheduleGemvKnSplit(Halide::Func out);
  // gemv nk: tasks of n_per_task outputs, register tiles of tile_n x tile_m, and the
  // final lane sums per tile; returns the tile loop the dot products compute at.
  Halide::Var tileDotProductOutputs(Halide::Func out);
  void scheduleGemvNk(Halide::Func out);
  void scheduleGemvNkInt8(Halide::Func out);
  void scheduleGemm(Halide::Func out);
  void prefetchWeights(Halide::Stage stage, Halide::RVar loop);
  void wholeRowTiles(std::vector<Halide::Func> funcs);

  Halide::Func x_, rows_, wide_, acc_, grouped_, lanes_, panel_, partial_;
  // activations int8: per-group scale and its inverse, the quantised rows, the
  // accumulators' starting values and the int32 dot products of a group.
  Halide::Func activationMax_, quantized_, offsets_, dots_;
  // activations bf16: the input rows rounded to bf16.
  Halide::Func bf16Rows_;
  const PackedMatrix &weight_;
  WeightLayout layout_;
  int k_;
  LinearSchedule s_;
  Halide::Var nVar_, mVar_;
};

} // namespace gpt2c::halide
