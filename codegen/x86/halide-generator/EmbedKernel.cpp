// embed: out(e, t, b) = wte(e, ids(t, b)) + wpe(e, past + t).
//
// Parameters: embd E, vocab V, positions P, wte_dtype, wpe_dtype, group_size (when
// either table is int8; the same for both).
// Schedule fields:
//   vector         float32 lanes over e (default 16 on AVX-512)
//   rows_per_task  tokens per parallel task (default 8)
//   parallel       split the tokens over the thread pool (default true)
// Token ids are clamped to [0, V) so that a bad id cannot read outside wte (the
// glue validates ids before the kernel runs).
#include "Kernels.h"
#include "KernelSupport.h"
#include "Weights.h"

namespace gpt2c::halide {

using namespace Halide;

KernelDefinition defineEmbed(KernelSpec &spec, const Target &target) {
  SpecObject &params = spec.params;
  const int embd = params.requireSize("embd"), vocab = params.requireSize("vocab"),
            positions = params.requireSize("positions");
  const WeightType wteType = parseWeightType(params, "wte_dtype"),
                   wpeType = parseWeightType(params, "wpe_dtype");
  const bool anyInt8 = wteType == WeightType::Int8 || wpeType == WeightType::Int8;
  const int groupSize =
      readGroupSize(params, anyInt8 ? WeightType::Int8 : WeightType::F32, embd);
  params.rejectUnknownFields();

  SpecObject &schedule = spec.schedule;
  int lanes = readVectorLanes(schedule, target);
  const int rowsPerTask = static_cast<int>(schedule.intInRange("rows_per_task", 8, 1, 1 << 16));
  const bool parallel = schedule.optionalBool("parallel", true);
  schedule.rejectUnknownFields();

  ImageParam ids(Int(32), 2, "ids");
  requireMinZero(ids);
  PackedMatrix wte("wte", "wte_scales", wteType, embd, vocab, 1, groupSize);
  PackedMatrix wpe("wpe", "wpe_scales", wpeType, embd, positions, 1, groupSize);
  Param<int32_t> past("past");

  Var e("e"), t("t"), b("b");
  Func out("out");
  Expr id = clamp(ids(t, b), 0, vocab - 1);
  out(e, t, b) = wte.value(e, id) + wpe.value(e, past + t);
  requireMinZero(out.output_buffer());
  requireExtent(out.output_buffer(), 0, embd);

  Var to("to"), ti("ti"), task("task");
  out.split(t, to, ti, rowsPerTask, TailStrategy::GuardWithIf).fuse(to, b, task);
  if (embd < lanes)
    lanes = lanesDividing(lanes, embd);
  if (lanes > 1)
    out.vectorize(e, lanes);
  if (parallel)
    out.parallel(task);

  std::vector<KernelInput> inputs{ids};
  for (const PackedMatrix *table : {&wte, &wpe})
    for (const KernelInput &input : table->inputs())
      inputs.push_back(input);
  inputs.push_back(past);
  return {Pipeline(out), inputs};
}

} // namespace gpt2c::halide
