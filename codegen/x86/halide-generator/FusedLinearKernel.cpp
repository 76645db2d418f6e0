// fused_linear: y(n, m) = residual(n, m) + act(norm(x)(k, m) W(k, n) + bias(n)).
//
// Parameters: k, n, dtype, group_size (int8), layout, norm, epsilon (norm), gelu, residual.
// Schedule fields (all optional but "layout"; Linear.h says what they do):
//   layout      "kn" | "nk" | "kpairs" (bf16, even k): how the packer stores W. May be
//               given as a parameter instead (KERNELS.md lists it among both); if both,
//               they must agree. kpairs is the weight argument w(2 n + j, p) of 16-bit
//               values with activations "bf16", else w(n, p) of uint32 words (Weights.h).
//   strategy    "gemv" (default; decode, few rows) | "gemm" (prefill, many rows)
//   vector      float32 lanes (default 16 on AVX-512)
//   tile_m      rows per register tile (gemv 1, gemm 6)
//   tile_n      outputs per register tile (gemv kn 4*vector, gemv nk 4, gemm 4*vector)
//   n_per_task  output columns per parallel task (gemv nk n/8, gemv kn n/4, gemm 2*tile_n)
//   unroll      reduction steps unrolled (gemv kn 4, gemv nk 1, gemm 2; kpairs: even,
//               and with activations "bf16" counted in pairs of k, default 2)
//   prefetch    gemv: software prefetch distance in streaming steps (default: int8 nk,
//               one tile ahead when a tile is at most 384 steps; otherwise 0, off)
//   split_k     gemv kn or kpairs, unquantized or int8 per channel: consecutive chunks
//               of K summed by separate tasks (default 1; above 1, and for kpairs,
//               n_per_task defaults to all n)
//   pairs       bf16 or f16, layout kn, gemv with split_k: the weight argument is the same
//               bytes as uint32 pairs of columns, w(n / 2, k) (Weights.h); default false
//   activations "f32" (default) | "int8" | "bf16". int8: gemv nk with int8 weights
//               only; the rows are quantised to int8 and every 64 weight bytes are one
//               VNNI dot product. bf16: gemv kpairs or nk with bf16 weights; the rows are
//               rounded to bf16 and every 32 products are one vdpbf16ps. Both need a
//               Halide target with avx512_sapphirerapids.
//   activation_group  values per activation scale with "int8": a multiple of 64
//               dividing k and the weights' group size (default 64)
//   parallel    split the tasks over the thread pool (default true)
// The norm prologue is computed once per row, before the product (compute_root),
// in parallel over rows for gemm.
#include "Kernels.h"
#include "KernelSupport.h"
#include "Linear.h"
#include "Normalization.h"
#include "Weights.h"

#include <memory>

namespace gpt2c::halide {

using namespace Halide;

namespace {

WeightLayout readLayout(KernelSpec &spec) {
  auto parse = [](SpecObject &object) {
    std::string name = object.requireString("layout");
    if (name != "kn" && name != "nk" && name != "kpairs")
      object.fail("layout", "must be \"kn\", \"nk\" or \"kpairs\", got \"" + name + "\"");
    return name == "kn" ? WeightLayout::KN : name == "nk" ? WeightLayout::NK : WeightLayout::KPairs;
  };
  bool inParams = spec.params.has("layout"), inSchedule = spec.schedule.has("layout");
  if (!inParams && !inSchedule)
    spec.schedule.fail("layout", "is missing");
  if (inParams && inSchedule && parse(spec.params) != parse(spec.schedule))
    spec.schedule.fail("layout", "disagrees with parameter 'layout'");
  return inSchedule ? parse(spec.schedule) : parse(spec.params);
}

} // namespace

KernelDefinition defineFusedLinear(KernelSpec &spec, const Target &target) {
  SpecObject &params = spec.params;
  const int k = params.requireSize("k"), n = params.requireSize("n");
  const WeightType dtype = parseWeightType(params, "dtype");
  const int groupSize = readGroupSize(params, dtype, k);
  const WeightLayout layout = readLayout(spec);
  const bool norm = params.requireBool("norm");
  float epsilon = 0.0f;
  if (norm || params.has("epsilon")) {
    epsilon = static_cast<float>(params.requireNumber("epsilon"));
    if (!(epsilon > 0.0f))
      params.fail("epsilon", "must be positive");
  }
  const bool gelu = params.requireBool("gelu"), residual = params.requireBool("residual");
  params.rejectUnknownFields();

  // kn and kpairs: channels along dimension 0 (w(n, k), Weights.h's pairings); nk: w(k, n),
  // channels along dimension 1.
  const bool pairs = spec.schedule.optionalBool("pairs", false);
  if (pairs && ((dtype != WeightType::BF16 && dtype != WeightType::F16) ||
                layout != WeightLayout::KN || n % 2 != 0))
    spec.schedule.fail("pairs", "needs bf16 or f16 weights in layout \"kn\" and an even n");
  if (layout == WeightLayout::KPairs && (dtype != WeightType::BF16 || k % 2 != 0))
    spec.schedule.fail("layout", "\"kpairs\" needs bf16 weights and an even k");
  // kpairs: 16-bit values for bf16 dot products, uint32 words for float32 activations.
  const bool bf16Dots = spec.schedule.optionalString("activations", "f32") == "bf16";
  Pairing pairing = pairs                            ? Pairing::ColumnPairs
                    : layout != WeightLayout::KPairs ? Pairing::None
                    : bf16Dots                       ? Pairing::ReducedPairs
                                                     : Pairing::ReducedPairWords;
  PackedMatrix weight = layout == WeightLayout::NK
                            ? PackedMatrix("weight", "scales", dtype, k, n, 1, groupSize)
                            : PackedMatrix("weight", "scales", dtype, n, k, 0, groupSize, pairing);
  LinearSchedule schedule = readLinearSchedule(spec.schedule, target, layout, weight, k, n);
  spec.schedule.rejectUnknownFields();

  ImageParam x(Float(32), 2, "x"), bias(Float(32), 1, "bias");
  ImageParam gamma(Float(32), 1, "gamma"), beta(Float(32), 1, "beta");
  ImageParam residualIn(Float(32), 2, "residual");
  requireMinZero(x);
  requireExtent(x, 0, k);
  requireMinZero(bias);
  requireExtent(bias, 0, n);

  std::vector<KernelInput> inputs{x};
  for (const KernelInput &input : weight.inputs())
    inputs.push_back(input);
  inputs.push_back(bias);

  Var kv("k"), nv("n"), mv("m");
  Func input("input");
  input(kv, mv) = x(kv, mv);
  Func normalized;
  std::unique_ptr<RowNormalization> normalization;
  if (norm) {
    for (ImageParam *vector : {&gamma, &beta}) {
      requireMinZero(*vector);
      requireExtent(*vector, 0, k);
      inputs.push_back(*vector);
    }
    normalization = std::make_unique<RowNormalization>(input, k, epsilon, Func(gamma),
                                                       Func(beta), schedule.lanes);
    normalized = normalization->result();
  }
  if (residual) {
    requireMinZero(residualIn);
    requireExtent(residualIn, 0, n);
    inputs.push_back(residualIn);
  }

  LinearProduct product(norm ? normalized : input, x.dim(1).extent(), weight, layout, k,
                        schedule, nv, mv);
  Func y("y");
  Expr value = product.result()(nv, mv) + bias(nv);
  if (gelu)
    value = geluTanh(value);
  if (residual)
    value = residualIn(nv, mv) + value;
  y(nv, mv) = value;
  requireMinZero(y.output_buffer());
  requireExtent(y.output_buffer(), 0, n);

  product.schedule(y);
  if (norm) {
    Var row = normalized.args()[1], column = normalized.args()[0];
    normalized.compute_root();
    int lanes = lanesDividing(schedule.lanes, k);
    if (lanes > 1)
      normalized.vectorize(column, lanes);
    if (schedule.gemm && schedule.parallel)
      normalized.parallel(row);
    normalization->computeStatisticsAt(normalized, row);
  }
  return {Pipeline(y), inputs};
}

} // namespace gpt2c::halide
