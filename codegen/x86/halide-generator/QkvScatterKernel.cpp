// qkv_scatter: splits qkv(c, t, b), c < 3HD, into heads:
//   query(d, t, h, b) = qkv(h*D + d, t, b), keys(...) = qkv(HD + h*D + d, t, b),
//   values(...) = qkv(2HD + h*D + d, t, b);
// keys and values are usually views of the caches at positions [past, past + T).
//
// Parameters: heads H, head_dim D.
// Schedule fields:
//   vector         float32 lanes over d (default 16 on AVX-512, at most D)
//   rows_per_task  tokens per parallel task (default 16)
//   parallel       split the tokens over the thread pool (default true)
#include "Kernels.h"
#include "KernelSupport.h"

namespace gpt2c::halide {

using namespace Halide;

KernelDefinition defineQkvScatter(KernelSpec &spec, const Target &target) {
  SpecObject &params = spec.params;
  const int heads = params.requireSize("heads"), headDim = params.requireSize("head_dim");
  params.rejectUnknownFields();

  SpecObject &schedule = spec.schedule;
  int lanes = readVectorLanes(schedule, target);
  const int rowsPerTask =
      static_cast<int>(schedule.intInRange("rows_per_task", 16, 1, 1 << 16));
  const bool parallel = schedule.optionalBool("parallel", true);
  schedule.rejectUnknownFields();
  if (headDim < lanes)
    lanes = lanesDividing(lanes, headDim);

  ImageParam qkv(Float(32), 3, "qkv");
  requireMinZero(qkv);
  Var d("d"), t("t"), h("h"), b("b"), to("to"), ti("ti");
  std::vector<Func> outputs;
  const char *names[] = {"query", "keys", "values"};
  for (int part = 0; part < 3; ++part) {
    Func out(names[part]);
    out(d, t, h, b) = qkv(part * heads * headDim + h * headDim + d, t, b);
    requireMinZero(out.output_buffer());
    requireExtent(out.output_buffer(), 0, headDim);
    requireExtent(out.output_buffer(), 2, heads);
    out.split(t, to, ti, rowsPerTask, TailStrategy::GuardWithIf).reorder(d, h, ti, to, b);
    if (lanes > 1)
      out.vectorize(d, lanes);
    if (parallel)
      out.parallel(to);
    outputs.push_back(out);
  }
  return {Pipeline(outputs), {qkv}};
}

} // namespace gpt2c::halide
