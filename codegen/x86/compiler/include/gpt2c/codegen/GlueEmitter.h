#pragma once
// The glue of each phase: an LLVM-dialect function `gpt2c_run_<phase>` (the C ABI
// of runtime/abi/PhaseAbi.h) that validates the step's sizes, lays activations out
// in the scratch buffer (a buffer plan with reuse), addresses weights, KV caches
// and logits, and calls the Halide kernels in order through halide_buffer_t
// descriptors.
#include "gpt2c/codegen/KernelPlan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace gpt2c::x86 {

struct GlueOptions {
  std::int64_t maxBatch = 1;  // sequences per step the scratch is planned for
  std::int64_t maxTokens = 0; // tokens per step (prefill/score); 0: the context size
};

struct PhaseGlue {
  std::string phase;  // prefill, decode or score
  std::string symbol; // gpt2c_run_<phase>
  std::string logits; // "last" or "all"
  std::uint64_t scratchBytes = 0;
  mlir::OwningOpRef<mlir::ModuleOp> module; // LLVM dialect, one function
};

// Emits the glue of `phase` (a function of the pipeline's output). Fails with a
// diagnostic at the op it cannot lower.
mlir::FailureOr<PhaseGlue> emitPhaseGlue(mlir::func::FuncOp phase, const KernelPlan &plan,
                                         const GlueOptions &options);

} // namespace gpt2c::x86
