#include "KernelSupport.h"

namespace gpt2c::halide {

using namespace Halide;

void requireMinZero(OutputImageParam buffer) {
  for (int d = 0; d < buffer.dimensions(); ++d)
    buffer.dim(d).set_min(0);
}

void requireExtent(OutputImageParam buffer, int dim, int extent) {
  buffer.dim(dim).set_extent(extent);
}

int readVectorLanes(SpecObject &schedule, const Target &target) {
  int lanes = static_cast<int>(
      schedule.intInRange("vector", target.natural_vector_size<float>(), 1, 64));
  if ((lanes & (lanes - 1)) != 0)
    schedule.fail("vector", "must be a power of two, got " + std::to_string(lanes));
  return lanes;
}

int lanesDividing(int lanes, int extent) {
  while (lanes > 1 && extent % lanes != 0)
    lanes /= 2;
  return lanes;
}

Expr geluTanh(const Expr &x) {
  // 0.5(1 + tanh(u)) = 1 / (1 + exp(-2u)); exact limits at both ends (exp(+big) = inf).
  Expr u = 0.7978845608f * (x + 0.044715f * x * x * x);
  return x / (1.0f + exp(-2.0f * u));
}

} // namespace gpt2c::halide
