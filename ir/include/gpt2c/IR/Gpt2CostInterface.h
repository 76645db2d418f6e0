#pragma once
// CostModelOpInterface (generated from Gpt2CostInterface.td): the FLOPs and bytes
// of one execution of a gpt2 op, computed from its static operand and result types.
//
// Conventions (every count is per execution, for the shapes in the IR):
//  * A multiply-add is 2 FLOPs. Elementwise work counts a constant per element:
//    add, scale, causal mask 1; layer norm kLayerNormFlopsPerElement; GELU
//    kGeluFlopsPerElement; softmax kSoftmaxFlopsPerElement. Integer and index
//    arithmetic (position ids, embedding gathers) is not floating-point work.
//  * linear [M, K] x [K, N] + bias: 2·M·K·N + M·N. lm_head: 2·rows·V·E (no bias).
//    fused_linear adds its prologue and epilogues as the unfused ops would count
//    them (layer norm on the input, GELU and residual add on the output), and
//    fused attention counts what its primitives would: 4·B·H·T·L·D for Q·K^T and
//    P·V plus scale, mask (when causal) and softmax on the B·H·T·L scores, where
//    L is the number of key positions read. Masked positions are not skipped.
//  * L is the constant `length` operand after specialisation; when it is not a
//    constant the whole cache capacity C is assumed, and describeCostAssumptions
//    says which of the two was used.
//  * Bytes: every operand is read once and every result written once, at the size
//    of its element type (activations float32, ids int32). Weights (operands
//    defined by gpt2.weight) count at their storage type, int8 tensors with
//    their float32 scales (one per group per output channel); weightBytes is the
//    weight part of bytesRead. Exceptions where an op touches part of a tensor:
//    embedding reads only the B·T gathered rows of its table (and their share of
//    the scales), as does embed of both tables (position ids, both gathers and
//    their sum: B·T·E additions); cache_write reads the new [B, H, T, D] keys or
//    values and writes only those T positions of the cache; cache_read and
//    attention read only the L key positions of each cache; last_token reads
//    only the row it copies; position_ids only uses the shape of the ids; index
//    operands are scalars, not memory traffic. Layout ops (split_qkv,
//    merge_heads, last_token, cache_read) count as copies.
//  * gpt2.weight and gpt2.weight_store cost nothing themselves: their users pay
//    for reading the weights.
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OpDefinition.h"

#include <string>

namespace gpt2c::gpt2 {

// Elementwise FLOPs of the non-linear ops.
// Layer norm: sum for the mean (1), centring (1), square and sum for the variance (2),
// scaling by 1/sigma (1), gain and bias (2).
inline constexpr double kLayerNormFlopsPerElement = 7;
// tanh GELU: x^3 (2), scale and add (2), scale (1), tanh (1), add one (1), two products (2).
inline constexpr double kGeluFlopsPerElement = 9;
// Softmax: running maximum (1), subtract (1), exp (1), sum (1), normalise (1).
inline constexpr double kSoftmaxFlopsPerElement = 5;

struct OpCost {
  double flops = 0;
  double bytesRead = 0; // including weightBytes
  double bytesWritten = 0;
  double weightBytes = 0; // weights read, at their storage type

  double bytes() const { return bytesRead + bytesWritten; }
  // FLOPs per byte moved (0 for an op that moves nothing).
  double arithmeticIntensity() const { return bytes() > 0 ? flops / bytes() : 0; }
  bool isZero() const { return flops == 0 && bytes() == 0; }
  OpCost &operator+=(const OpCost &other) {
    flops += other.flops;
    bytesRead += other.bytesRead;
    bytesWritten += other.bytesWritten;
    weightBytes += other.weightBytes;
    return *this;
  }
};

// Attaches CostModelOpInterface to every gpt2 op (as external models, so that the
// dialect itself does not depend on the cost model).
void registerCostModels(mlir::DialectRegistry &registry);

} // namespace gpt2c::gpt2

#include "gpt2c/IR/Gpt2CostInterface.h.inc"
