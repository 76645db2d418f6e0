// layer_norm: y(k, m) = (x(k, m) - mean(m)) / sqrt(var(m) + epsilon) * gamma(k) + beta(k),
// mean and biased variance over k, as PyTorch (Normalization.h).
//
// Parameters: width K, epsilon.
// Schedule fields:
//   vector         float32 lanes over k (default 16 on AVX-512)
//   rows_per_task  rows per parallel task (default 4)
//   parallel       split the rows over the thread pool (default true)
// A row's statistics are computed right before the row is normalised, in the task.
#include "Kernels.h"
#include "KernelSupport.h"
#include "Normalization.h"

namespace gpt2c::halide {

using namespace Halide;

KernelDefinition defineLayerNorm(KernelSpec &spec, const Target &target) {
  SpecObject &params = spec.params;
  const int width = params.requireSize("width");
  const float epsilon = static_cast<float>(params.requireNumber("epsilon"));
  if (!(epsilon > 0.0f))
    params.fail("epsilon", "must be positive");
  params.rejectUnknownFields();

  SpecObject &schedule = spec.schedule;
  int lanes = readVectorLanes(schedule, target);
  const int rowsPerTask = static_cast<int>(schedule.intInRange("rows_per_task", 4, 1, 1 << 16));
  const bool parallel = schedule.optionalBool("parallel", true);
  schedule.rejectUnknownFields();

  ImageParam x(Float(32), 2, "x"), gamma(Float(32), 1, "gamma"), beta(Float(32), 1, "beta");
  for (ImageParam *buffer : {&x, &gamma, &beta}) {
    requireMinZero(*buffer);
    requireExtent(*buffer, 0, width);
  }
  RowNormalization normalization(Func(x), width, epsilon, Func(gamma), Func(beta), lanes);

  Var k("k"), m("m"), mo("mo"), mi("mi");
  Func y("y");
  y(k, m) = normalization.result()(k, m);
  requireMinZero(y.output_buffer());
  requireExtent(y.output_buffer(), 0, width);

  y.split(m, mo, mi, rowsPerTask, TailStrategy::GuardWithIf);
  if (width < lanes)
    lanes = lanesDividing(lanes, width);
  if (lanes > 1)
    y.vectorize(k, lanes);
  if (parallel)
    y.parallel(mo);
  normalization.computeStatisticsAt(y, mi);
  return {Pipeline(y), {x, gamma, beta}};
}

} // namespace gpt2c::halide
