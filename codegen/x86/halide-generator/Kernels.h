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

// An input of a kernel: its argument (for ahead-of-time compilation) and the
// parameter behind it (which tune mode binds to buffers and values for the JIT).
struct KernelInput {
  KernelInput(const Halide::OutputImageParam &buffer)
      : argument(buffer), parameter(buffer.parameter()) {}
  template <typename T>
  KernelInput(const Halide::Param<T> &scalar) : argument(scalar), parameter(scalar.parameter()) {}

  Halide::Argument argument;
  Halide::Internal::Parameter parameter;
};

// `tune` mode: for every entry of SPEC.json (a kernels-mode entry with "rows",
// "past" and "candidates", an array of schedules, instead of "schedule"), times
// each candidate JIT-compiled for `target` on random inputs (about
// `secondsPerCandidate` of runs each; the median run counts) and writes the
// timings and the fastest candidate to `outputPath` as JSON. `threads`: the
// size of Halide's thread pool, recorded in the output.
void tuneSpecKernels(const std::string &specPath, const std::string &outputPath,
                     const Halide::Target &target, double secondsPerCandidate, int threads);

// One kernel: its pipeline and its inputs in the contract's order (outputs are
// appended by Halide after them).
struct KernelDefinition {
  Halide::Pipeline pipeline;
  std::vector<KernelInput> inputs;

  std::vector<Halide::Argument> arguments() const;
};

// Defines the kernel of one spec entry (a JSON object with "name", "kind", its
// parameters and "schedule"), validating all of them; `where` names the entry in
// messages until its name is known. Throws SpecError.
KernelDefinition defineKernel(const nlohmann::json &entry, const std::string &where,
                              const Halide::Target &target);

// Parses the JSON file at `path`; SpecError when it cannot be read or parsed.
nlohmann::json readSpecFile(const std::string &path);

// One function per kind ("kind" in the spec); each reads and validates its
// parameters and schedule, then defines and schedules the kernel.
KernelDefinition defineEmbed(KernelSpec &spec, const Halide::Target &target);
KernelDefinition defineLayerNorm(KernelSpec &spec, const Halide::Target &target);
KernelDefinition defineFusedLinear(KernelSpec &spec, const Halide::Target &target);
KernelDefinition defineQkvScatter(KernelSpec &spec, const Halide::Target &target);
KernelDefinition defineAttention(KernelSpec &spec, const Halide::Target &target);
KernelDefinition defineLmHead(KernelSpec &spec, const Halide::Target &target);

} // namespace gpt2c::halide
