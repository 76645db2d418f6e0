#pragma once
// Lowers kernels written as gpu.func text to PTX in-process, through MLIR's
// GPU -> NVVM path and LLVM 22's NVPTX back end (gpu-module-to-binary, format isa).
#include "gpt2c/codegen/ptx/Kernels.h"

#include <string>
#include <vector>

namespace gpt2c::ptx {

struct PtxTarget {
  std::string chip = "sm_90";
  std::string features = "+ptx80"; // PTX ISA 8.0
};

// The gpu.module text holding `kernels` (what emitPtx parses; kept beside the PTX
// with `gpt2c compile --keep-intermediates`).
std::string kernelModuleText(const std::vector<KernelSource> &kernels, const PtxTarget &target);

// The PTX of a module holding `kernels`. Throws gpt2c::Error with the first MLIR
// diagnostic (and its location in the module text) when the kernels do not
// parse, verify or lower.
std::string emitPtx(const std::vector<KernelSource> &kernels, const PtxTarget &target,
                     const std::string &what);

} // namespace gpt2c::ptx
