// lm_head: logits(v, m) = sum_e x(e, m) weight(e, v), the tied embedding matrix as
// stored for embed (row-major [V][E], i.e. layout nk of Linear.h).
//
// Parameters: embd E, vocab V, dtype, group_size (int8).
// Schedule fields: those of fused_linear (Linear.h) but "layout":
//   strategy "gemv" (default) | "gemm", vector, tile_m, tile_n, n_per_task, unroll,
//   prefetch, parallel (same defaults as fused_linear with layout nk).
// gemv streams the matrix once, tile_n vocabulary rows at a time, tasks split the
// vocabulary; gemm (many rows, e.g. scoring) packs n_per_task rows per task.
#include "Kernels.h"
#include "KernelSupport.h"
#include "Linear.h"
#include "Weights.h"

namespace gpt2c::halide {

using namespace Halide;

KernelDefinition defineLmHead(KernelSpec &spec, const Target &target) {
  SpecObject &params = spec.params;
  const int embd = params.requireSize("embd"), vocab = params.requireSize("vocab");
  const WeightType dtype = parseWeightType(params, "dtype");
  const int groupSize = readGroupSize(params, dtype, embd);
  params.rejectUnknownFields();

  PackedMatrix weight("weight", "scales", dtype, embd, vocab, 1, groupSize);
  LinearSchedule schedule =
      readLinearSchedule(spec.schedule, target, WeightLayout::NK, weight, embd, vocab);
  spec.schedule.rejectUnknownFields();

  ImageParam x(Float(32), 2, "x");
  requireMinZero(x);
  requireExtent(x, 0, embd);
  std::vector<KernelInput> inputs{x};
  for (const KernelInput &input : weight.inputs())
    inputs.push_back(input);

  Var e("e"), v("v"), m("m");
  Func input("input");
  input(e, m) = x(e, m);
  LinearProduct product(input, x.dim(1).extent(), weight, WeightLayout::NK, embd, schedule, v,
                        m);
  Func logits("logits");
  logits(v, m) = product.result()(v, m);
  requireMinZero(logits.output_buffer());
  requireExtent(logits.output_buffer(), 0, vocab);
  product.schedule(logits);
  return {Pipeline(logits), inputs};
}

} // namespace gpt2c::halide
