#pragma once
// Kernel families the generator can emit. Each writes its objects and headers
// into an output directory for `target`, without a Halide runtime (the caller
// emits exactly one, shared by all kernels of an executable).
#include "Halide.h"

#include <string>

namespace gpt2c::halide {

// out[i] = a * x[i] + y[i] over float32 vectors: the smallest kernel that exercises
// vectorisation, a scalar parameter and buffer arguments.
void emitSmokeKernel(const std::string &outputDir, const Halide::Target &target);

} // namespace gpt2c::halide
