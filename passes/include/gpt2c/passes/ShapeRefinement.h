#pragma once
// Shape refinement as a utility, for passes that specialise functions.
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace gpt2c {

// Recomputes every result type of `function` through ShapeRefinementOpInterface in
// program order and makes the function's result types those of its return.
void refineShapes(mlir::func::FuncOp function);

// Canonicalises `function` (folds constants, removes dead values) with the
// canonicalization patterns of every loaded dialect and op.
mlir::LogicalResult simplify(mlir::func::FuncOp function);

} // namespace gpt2c
