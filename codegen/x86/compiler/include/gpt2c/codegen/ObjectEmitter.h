#pragma once
// LLVM-dialect modules to x86-64 object files, through LLVM 22 in process.
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace gpt2c::x86 {

// Translates `module` (LLVM dialect) to LLVM IR and writes a position-independent
// x86-64 ELF object to `path`. Throws gpt2c::Error on failure.
void emitObject(mlir::ModuleOp module, const std::string &path);

} // namespace gpt2c::x86
