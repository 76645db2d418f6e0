// ShapeRefinementOpInterface of the gpt2 ops: each op's result shape as implied by
// its operands, merged with the current result type so that refinement only ever
// adds static information.
#include "gpt2c/IR/Gpt2Dialect.h"
#include "gpt2c/IR/Gpt2Interfaces.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace gpt2c::gpt2;

namespace {

constexpr int64_t kDynamic = ShapedType::kDynamic;

ArrayRef<int64_t> shapeOf(Value value) { return cast<RankedTensorType>(value.getType()).getShape(); }

// `current` with every dimension that `implied` knows statically made static.
Type refine(Value current, ArrayRef<int64_t> implied) {
  auto type = cast<RankedTensorType>(current.getType());
  if (int64_t(implied.size()) != type.getRank())
    return type;
  SmallVector<int64_t> shape(type.getShape());
  for (auto [extent, known] : llvm::zip(shape, implied))
    if (ShapedType::isDynamic(extent) && !ShapedType::isDynamic(known))
      extent = known;
  return RankedTensorType::get(shape, type.getElementType(), type.getEncoding());
}

// [..., K] -> [..., N]: the shape of a row-wise product.
SmallVector<int64_t> withLastDim(Value input, int64_t last) {
  SmallVector<int64_t> shape(shapeOf(input));
  if (!shape.empty())
    shape.back() = last;
  return shape;
}

int64_t product(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ? kDynamic : a * b;
}

int64_t constantIndex(Value value) {
  APInt constant;
  return matchPattern(value, m_ConstantInt(&constant)) ? constant.getSExtValue() : kDynamic;
}

} // namespace

SmallVector<Type> PositionIdsOp::refineResultTypes() {
  return {refine(getResult(), shapeOf(getIds()))};
}

SmallVector<Type> EmbeddingOp::refineResultTypes() {
  return {refine(getResult(), {shapeOf(getIds())[0], shapeOf(getIds())[1], shapeOf(getTable())[1]})};
}

SmallVector<Type> LayerNormOp::refineResultTypes() {
  return {refine(getResult(), shapeOf(getInput()))};
}

SmallVector<Type> LinearOp::refineResultTypes() {
  return {refine(getResult(), withLastDim(getInput(), shapeOf(getWeight())[1]))};
}

SmallVector<Type> FusedLinearOp::refineResultTypes() {
  SmallVector<int64_t> shape = withLastDim(getInput(), shapeOf(getWeight())[1]);
  if (getResidual()) {
    auto merged = cast<RankedTensorType>(refine(getResidual(), shape));
    shape.assign(merged.getShape().begin(), merged.getShape().end());
  }
  return {refine(getResult(), shape)};
}

SmallVector<Type> GeluOp::refineResultTypes() { return {getInput().getType()}; }
SmallVector<Type> ScaleOp::refineResultTypes() { return {getInput().getType()}; }
SmallVector<Type> SoftmaxOp::refineResultTypes() { return {getInput().getType()}; }
SmallVector<Type> CausalMaskOp::refineResultTypes() { return {getScores().getType()}; }

SmallVector<Type> AddOp::refineResultTypes() {
  Type both = refine(getLhs(), shapeOf(getRhs()));
  return {refine(getResult(), cast<RankedTensorType>(both).getShape())};
}

SmallVector<Type> SplitQkvOp::refineResultTypes() {
  ArrayRef<int64_t> qkv = shapeOf(getQkv());
  int64_t heads = getNumHeads();
  int64_t headDim = ShapedType::isDynamic(qkv[2]) ? kDynamic : qkv[2] / 3 / heads;
  SmallVector<int64_t> shape = {qkv[0], heads, qkv[1], headDim};
  return {refine(getQuery(), shape), refine(getKey(), shape), refine(getValue(), shape)};
}

SmallVector<Type> MergeHeadsOp::refineResultTypes() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  return {refine(getResult(), {in[0], in[2], product(in[1], in[3])})};
}

SmallVector<Type> CacheWriteOp::refineResultTypes() {
  return {refine(getResult(), shapeOf(getCache()))};
}

SmallVector<Type> CacheReadOp::refineResultTypes() {
  ArrayRef<int64_t> cache = shapeOf(getCache());
  return {refine(getResult(), {cache[0], cache[1], constantIndex(getLength()), cache[3]})};
}

SmallVector<Type> BatchMatmulOp::refineResultTypes() {
  ArrayRef<int64_t> lhs = shapeOf(getLhs()), rhs = shapeOf(getRhs());
  return {refine(getResult(), {lhs[0], lhs[1], lhs[2], getTransposeRhs() ? rhs[2] : rhs[3]})};
}

SmallVector<Type> LmHeadOp::refineResultTypes() {
  return {refine(getResult(), withLastDim(getInput(), shapeOf(getWeight())[0]))};
}

SmallVector<Type> EmbedOp::refineResultTypes() {
  return {refine(getResult(), {shapeOf(getIds())[0], shapeOf(getIds())[1], shapeOf(getTokens())[1]})};
}

SmallVector<Type> AttentionOp::refineResultTypes() {
  return {refine(getResult(), shapeOf(getQuery()))};
}

SmallVector<Type> LastTokenOp::refineResultTypes() {
  SmallVector<int64_t> shape(shapeOf(getInput()));
  shape[getAxis()] = 1;
  return {refine(getResult(), shape)};
}
