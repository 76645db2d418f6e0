#pragma once
// A human-readable overview of a gpt2 module: configuration, weight store,
// parameter count and bytes by storage type, entry functions and op counts.
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace gpt2c::gpt2 {

void printModuleSummary(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace gpt2c::gpt2
