#pragma once
// Registration of the interpreter's external models, by dialect.
#include "mlir/IR/DialectRegistry.h"

namespace gpt2c::interp {

void registerGpt2Evaluators(mlir::DialectRegistry &registry);
void registerUpstreamEvaluators(mlir::DialectRegistry &registry);

} // namespace gpt2c::interp
