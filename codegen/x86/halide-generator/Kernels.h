#pragma once
// Kernel families the generator can emit. Each writes its objects and headers
// into an output directory for `target`, without a Halide runtime (the caller
// emits exactly one, shared by all kernels of an executable).
#include "Spec.h"

#include "Halide.h"

#include <string>
#include <vector>

namespace gpt2c::halide {

// out[i] = a * x[i] + y[i] over float32 vectors: the smallest kernel that exercises
// vectorisation, a scalar parameter and buffer arguments.
void emitSmokeKernel(const std::string &outputDir, const Halide::Target &target);

// `kernels` mode: compiles every entry of SPEC.json (../KERNELS.md) into
// DIR/<name>.o, their declarations into DIR/kernels.h. With `statements`, also
// writes DIR/<name>.stmt (Halide's lowered loop nest, for inspecting schedules).
void emitSpecKernels(const std::string &specPath, const std::string &outputDir,
                     const Halide::Target &target, bool statements);

// One kernel: its pipeline and its arguments in the contract's order (outputs
// are appended by Halide after them).
struct KernelDefinition {
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> arguments;
};

// One function per kind ("kind" in the spec); each reads and validates its
// parameters and schedule, then defines and schedules the kernel.
KernelDefinition defineEmbed(KernelSpec &spec, const Halide::Target &target);
KernelDefinition defineLayerNorm(KernelSpec &spec, const Halide::Target &target);
KernelDefinition defineFusedLinear(KernelSpec &spec, const Halide::Target &target);
KernelDefinition defineQkvScatter(KernelSpec &spec, const Halide::Target &target);
KernelDefinition defineAttention(KernelSpec &spec, const Halide::Target &target);
KernelDefinition defineLmHead(KernelSpec &spec, const Halide::Target &target);

} // namespace gpt2c::halide
