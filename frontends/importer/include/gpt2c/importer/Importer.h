#pragma once
// Imports a GPT-2 checkpoint as one forward step in the gpt2 dialect:
//
//   func.func @forward(%ids: tensor<?x?xi32>, %past_length: index,
//                      %k_cache_0, %v_cache_0, ..., %k_cache_{L-1}, %v_cache_{L-1})
//       -> (logits tensor<?x?xV x f32>, updated caches in the same order)
//
// B sequences of T new tokens each are appended to caches [B, H, C, D] (C =
// n_positions) that hold P = %past_length tokens; B, T and P are dynamic.
// Attention is imported in its primitive parts and reads the whole cache window,
// masking what lies after each query, so that later passes can fuse it and prune
// it to the valid length. Weights stay in the store: the IR only names them.
#include "gpt2c/checkpoint/WeightStore.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

namespace gpt2c {

inline constexpr llvm::StringLiteral kForwardFunctionName = "forward";
inline constexpr llvm::StringLiteral kWeightStoreName = "weights";

// Loads the dialects the imported IR uses into `context`.
void loadImporterDialects(mlir::MLIRContext &context);

// Builds the module for `store`. The store is only asked for names, dtypes and
// shapes: no weight value is read or copied.
mlir::OwningOpRef<mlir::ModuleOp> importModel(mlir::MLIRContext &context, const WeightStore &store);

} // namespace gpt2c
