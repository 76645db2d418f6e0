// Verifiers of the gpt2 operations. Dynamic dimensions are compatible with any
// extent; static ones must agree. Each diagnostic names the operand and the
// layout it expects, so a malformed module points at the exact mismatch.
#include "gpt2c/IR/Gpt2Dialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace gpt2c::gpt2;

namespace {

std::string dimString(int64_t extent) {
  return ShapedType::isDynamic(extent) ? std::string("?") : std::to_string(extent);
}

bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

// Checks that `value` has rank `rank`; `layout` spells the expected dimensions.
LogicalResult expectRank(Operation *op, StringRef what, Value value, int64_t rank,
                         StringRef layout) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == rank)
    return success();
  return op->emitOpError() << "expects " << what << " of rank " << rank << " " << layout
                           << ", got " << type;
}

// Checks that dimension `dimA` of `a` and `dimB` of `b` can be equal.
LogicalResult expectSameDim(Operation *op, StringRef whatA, Value a, int64_t dimA,
                            StringRef whatB, Value b, int64_t dimB) {
  int64_t extentA = cast<RankedTensorType>(a.getType()).getDimSize(dimA);
  int64_t extentB = cast<RankedTensorType>(b.getType()).getDimSize(dimB);
  if (compatible(extentA, extentB))
    return success();
  return op->emitOpError() << whatA << " (" << dimString(extentA) << ") does not match "
                           << whatB << " (" << dimString(extentB) << ")";
}

// Checks that two tensors have the same rank and compatible dimensions.
LogicalResult expectSameShape(Operation *op, StringRef whatA, Value a, StringRef whatB,
                              Value b) {
  auto typeA = cast<RankedTensorType>(a.getType());
  auto typeB = cast<RankedTensorType>(b.getType());
  if (typeA.getRank() != typeB.getRank())
    return op->emitOpError() << whatA << " rank (" << typeA.getRank() << ") does not match "
                             << whatB << " rank (" << typeB.getRank() << ")";
  for (int64_t dim = 0; dim < typeA.getRank(); ++dim)
    if (!compatible(typeA.getDimSize(dim), typeB.getDimSize(dim)))
      return op->emitOpError() << whatA << " shape " << typeA << " does not match " << whatB
                               << " shape " << typeB << " in dimension " << dim;
  return success();
}

// Float storage (f32, f16, bf16): biases, gains and other vectors are never quantized.
LogicalResult expectFloatWeight(Operation *op, StringRef what, Value value) {
  if (isa<FloatType>(cast<RankedTensorType>(value.getType()).getElementType()))
    return success();
  return op->emitOpError() << "expects " << what << " stored as f32, f16 or bf16, got "
                           << value.getType();
}

int64_t dim(Value value, int64_t index) {
  return cast<RankedTensorType>(value.getType()).getDimSize(index);
}
int64_t rank(Value value) { return cast<RankedTensorType>(value.getType()).getRank(); }

// An op's "input [..., K] -> result [..., N]" relation shared by linear and lm_head:
// same rank, same leading dimensions.
LogicalResult expectSameLeadingDims(Operation *op, Value input, Value result) {
  if (rank(result) != rank(input))
    return op->emitOpError() << "result rank (" << rank(result) << ") does not match input rank ("
                             << rank(input) << ")";
  for (int64_t d = 0; d + 1 < rank(input); ++d)
    if (failed(expectSameDim(op, "result dimension " + std::to_string(d), result, d,
                             "input dimension " + std::to_string(d), input, d)))
      return failure();
  return success();
}

} // namespace

#define GET_OP_CLASSES
#include "gpt2c/IR/Gpt2Ops.cpp.inc"

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

LogicalResult WeightStoreOp::verify() {
  if (getSource().empty())
    return emitOpError() << "needs a non-empty source (an HF directory or synthetic:CONFIG:SEED)";
  return success();
}

LogicalResult WeightOp::verify() {
  if (getTensorName().empty())
    return emitOpError() << "needs a non-empty tensor name";
  RankedTensorType type = getResult().getType();
  if (!type.hasStaticShape())
    return emitOpError() << "result must have a static shape, got " << type;
  auto quant = dyn_cast_or_null<Int8QuantAttr>(type.getEncoding());
  if (type.getElementType().isInteger(8) != bool(quant))
    return emitOpError() << "an i8 weight needs a #gpt2.int8 encoding and only an i8 weight may "
                            "have one, got "
                         << type;
  if (type.getEncoding() && !quant)
    return emitOpError() << "unsupported weight encoding " << type.getEncoding();
  if (quant) {
    if (type.getRank() != 2)
      return emitOpError() << "int8 weights must be matrices, got " << type;
    int64_t reduced = type.getDimSize(1 - quant.getAxis());
    if (quant.getGroupSize() != 0 && reduced % quant.getGroupSize() != 0)
      return emitOpError() << "group size " << quant.getGroupSize()
                           << " does not divide the " << reduced << " values of each channel";
  }
  return success();
}

LogicalResult WeightOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  Operation *store = symbolTable.lookupNearestSymbolFrom(*this, getStoreAttr());
  if (!store)
    return emitOpError() << "refers to an undefined weight store " << getStoreAttr();
  if (!isa<WeightStoreOp>(store))
    return emitOpError() << "refers to " << getStoreAttr() << ", which is not a gpt2.weight_store";
  return success();
}

//===----------------------------------------------------------------------===//
// Embeddings
//===----------------------------------------------------------------------===//

LogicalResult PositionIdsOp::verify() {
  if (failed(expectRank(*this, "ids", getIds(), 2, "[B, T]")))
    return failure();
  return expectSameShape(*this, "result", getResult(), "ids", getIds());
}

LogicalResult EmbeddingOp::verify() {
  if (failed(expectRank(*this, "table", getTable(), 2, "[rows, E]")) ||
      failed(expectRank(*this, "ids", getIds(), 2, "[B, T]")) ||
      failed(expectRank(*this, "result", getResult(), 3, "[B, T, E]")) ||
      failed(expectSameDim(*this, "result batch", getResult(), 0, "ids batch", getIds(), 0)) ||
      failed(expectSameDim(*this, "result tokens", getResult(), 1, "ids tokens", getIds(), 1)))
    return failure();
  return expectSameDim(*this, "result width", getResult(), 2, "table width", getTable(), 1);
}

//===----------------------------------------------------------------------===//
// Per-token layers
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::verify() {
  if (rank(getInput()) < 1)
    return emitOpError() << "expects an input of rank >= 1";
  int64_t last = rank(getInput()) - 1;
  if (failed(expectRank(*this, "gamma", getGamma(), 1, "[E]")) ||
      failed(expectRank(*this, "beta", getBeta(), 1, "[E]")) ||
      failed(expectFloatWeight(*this, "gamma", getGamma())) ||
      failed(expectFloatWeight(*this, "beta", getBeta())) ||
      failed(expectSameDim(*this, "gamma width", getGamma(), 0, "input width", getInput(), last)) ||
      failed(expectSameDim(*this, "beta width", getBeta(), 0, "input width", getInput(), last)) ||
      failed(expectSameShape(*this, "result", getResult(), "input", getInput())))
    return failure();
  if (!(getEpsilon().convertToDouble() > 0.0))
    return emitOpError() << "epsilon must be positive, got " << getEpsilon().convertToDouble();
  return success();
}

// input [..., K] times weight [K, N] plus bias [N] gives [..., N]: the relation
// linear and fused_linear share.
static LogicalResult verifyLinearProduct(Operation *op, Value input, Value weight, Value bias,
                                         Value result) {
  if (rank(input) < 1)
    return op->emitOpError() << "expects an input of rank >= 1";
  int64_t last = rank(input) - 1;
  if (failed(expectRank(op, "weight", weight, 2, "[K, N] (input features, output features)")) ||
      failed(expectRank(op, "bias", bias, 1, "[N]")) ||
      failed(expectFloatWeight(op, "bias", bias)) ||
      failed(expectSameDim(op, "weight rows", weight, 0, "input width", input, last)) ||
      failed(expectSameDim(op, "bias width", bias, 0, "weight columns", weight, 1)) ||
      failed(expectSameLeadingDims(op, input, result)))
    return failure();
  return expectSameDim(op, "result width", result, last, "weight columns", weight, 1);
}

LogicalResult LinearOp::verify() {
  return verifyLinearProduct(*this, getInput(), getWeight(), getBias(), getResult());
}

LogicalResult AddOp::verify() {
  if (failed(expectSameShape(*this, "lhs", getLhs(), "rhs", getRhs())))
    return failure();
  return expectSameShape(*this, "result", getResult(), "lhs", getLhs());
}

//===----------------------------------------------------------------------===//
// Heads
//===----------------------------------------------------------------------===//

LogicalResult SplitQkvOp::verify() {
  int64_t heads = getNumHeads();
  if (heads <= 0)
    return emitOpError() << "num_heads must be positive, got " << heads;
  if (failed(expectRank(*this, "qkv", getQkv(), 3, "[B, T, 3E]")))
    return failure();
  int64_t width = dim(getQkv(), 2);
  if (!ShapedType::isDynamic(width) && width % 3 != 0)
    return emitOpError() << "qkv width (" << width << ") is not divisible by 3";
  int64_t embd = ShapedType::isDynamic(width) ? width : width / 3;
  if (!ShapedType::isDynamic(embd) && embd % heads != 0)
    return emitOpError() << "num_heads (" << heads << ") does not divide the embedding width ("
                         << embd << ")";
  for (Value part : {getQuery(), getKey(), getValue()}) {
    if (part.getType() != getQuery().getType())
      return emitOpError() << "query, key and value must have the same type";
  }
  Value query = getQuery();
  if (failed(expectRank(*this, "query", query, 4, "[B, H, T, D]")) ||
      failed(expectSameDim(*this, "query batch", query, 0, "qkv batch", getQkv(), 0)) ||
      failed(expectSameDim(*this, "query tokens", query, 2, "qkv tokens", getQkv(), 1)))
    return failure();
  if (dim(query, 1) != heads)
    return emitOpError() << "query heads (" << dimString(dim(query, 1)) << ") must equal num_heads ("
                         << heads << ")";
  if (!ShapedType::isDynamic(embd) && dim(query, 3) != embd / heads)
    return emitOpError() << "head dimension (" << dimString(dim(query, 3)) << ") must be "
                         << embd / heads << " (embedding width " << embd << " / " << heads
                         << " heads)";
  return success();
}

LogicalResult MergeHeadsOp::verify() {
  if (failed(expectRank(*this, "input", getInput(), 4, "[B, H, T, D]")) ||
      failed(expectRank(*this, "result", getResult(), 3, "[B, T, H*D]")) ||
      failed(expectSameDim(*this, "result batch", getResult(), 0, "input batch", getInput(), 0)) ||
      failed(expectSameDim(*this, "result tokens", getResult(), 1, "input tokens", getInput(), 2)))
    return failure();
  int64_t heads = dim(getInput(), 1), headDim = dim(getInput(), 3);
  int64_t width = (ShapedType::isDynamic(heads) || ShapedType::isDynamic(headDim))
                      ? ShapedType::kDynamic
                      : heads * headDim;
  if (!compatible(width, dim(getResult(), 2)))
    return emitOpError() << "result width (" << dimString(dim(getResult(), 2))
                         << ") must be heads x head dimension (" << dimString(width) << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// KV cache
//===----------------------------------------------------------------------===//

// Batch, heads and head dimension of a cache-shaped tensor must match the cache's.
static LogicalResult verifyCacheLike(Operation *op, StringRef what, Value value, Value cache) {
  if (failed(expectRank(op, "cache", cache, 4, "[B, H, C, D]")) ||
      failed(expectRank(op, what, value, 4, "[B, H, L, D]")))
    return failure();
  static constexpr const char *kNames[] = {"batch", "heads", "", "head dimension"};
  for (int64_t d : {0, 1, 3})
    if (failed(expectSameDim(op, (what + " " + kNames[d]).str(), value, d,
                             (Twine("cache ") + kNames[d]).str(), cache, d)))
      return failure();
  return success();
}

LogicalResult CacheWriteOp::verify() {
  if (failed(verifyCacheLike(*this, "update", getUpdate(), getCache())))
    return failure();
  if (getResult().getType() != getCache().getType())
    return emitOpError() << "result type " << getResult().getType() << " must equal the cache type "
                         << getCache().getType();
  int64_t tokens = dim(getUpdate(), 2), capacity = dim(getCache(), 2);
  if (!ShapedType::isDynamic(tokens) && !ShapedType::isDynamic(capacity) && tokens > capacity)
    return emitOpError() << "update of " << tokens << " tokens exceeds the cache capacity ("
                         << capacity << ")";
  return success();
}

LogicalResult CacheReadOp::verify() {
  if (failed(verifyCacheLike(*this, "result", getResult(), getCache())))
    return failure();
  int64_t length = dim(getResult(), 2), capacity = dim(getCache(), 2);
  if (!ShapedType::isDynamic(length) && !ShapedType::isDynamic(capacity) && length > capacity)
    return emitOpError() << "reads " << length << " positions from a cache of capacity "
                         << capacity;
  return success();
}

//===----------------------------------------------------------------------===//
// Attention primitives
//===----------------------------------------------------------------------===//

LogicalResult BatchMatmulOp::verify() {
  if (failed(expectRank(*this, "lhs", getLhs(), 4, "[B, H, M, K]")) ||
      failed(expectRank(*this, "rhs", getRhs(), 4,
                        getTransposeRhs() ? "[B, H, N, K]" : "[B, H, K, N]")) ||
      failed(expectRank(*this, "result", getResult(), 4, "[B, H, M, N]")))
    return failure();
  int64_t rhsK = getTransposeRhs() ? 3 : 2, rhsN = getTransposeRhs() ? 2 : 3;
  if (failed(expectSameDim(*this, "rhs batch", getRhs(), 0, "lhs batch", getLhs(), 0)) ||
      failed(expectSameDim(*this, "rhs heads", getRhs(), 1, "lhs heads", getLhs(), 1)) ||
      failed(expectSameDim(*this, "rhs contraction dimension", getRhs(), rhsK,
                           "lhs contraction dimension", getLhs(), 3)) ||
      failed(expectSameDim(*this, "result batch", getResult(), 0, "lhs batch", getLhs(), 0)) ||
      failed(expectSameDim(*this, "result heads", getResult(), 1, "lhs heads", getLhs(), 1)) ||
      failed(expectSameDim(*this, "result rows", getResult(), 2, "lhs rows", getLhs(), 2)))
    return failure();
  return expectSameDim(*this, "result columns", getResult(), 3, "rhs columns", getRhs(), rhsN);
}

LogicalResult CausalMaskOp::verify() {
  return expectRank(*this, "scores", getScores(), 4, "[B, H, T, S]");
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

LogicalResult LmHeadOp::verify() {
  if (rank(getInput()) < 1)
    return emitOpError() << "expects an input of rank >= 1";
  int64_t last = rank(getInput()) - 1;
  if (failed(expectRank(*this, "weight", getWeight(), 2, "[V, E]")) ||
      failed(expectSameDim(*this, "weight width", getWeight(), 1, "input width", getInput(), last)) ||
      failed(expectSameLeadingDims(*this, getInput(), getResult())))
    return failure();
  return expectSameDim(*this, "result width", getResult(), last, "vocabulary size", getWeight(), 0);
}

//===----------------------------------------------------------------------===//
// Fused operations
//===----------------------------------------------------------------------===//

LogicalResult FusedLinearOp::verify() {
  if (failed(verifyLinearProduct(*this, getInput(), getWeight(), getBias(), getResult())))
    return failure();
  int64_t last = rank(getInput()) - 1;
  if (bool(getGamma()) != bool(getBeta()) || bool(getGamma()) != getEpsilon().has_value())
    return emitOpError() << "a layer-norm prologue needs gamma, beta and epsilon together";
  if (getGamma()) {
    if (failed(expectRank(*this, "gamma", getGamma(), 1, "[K]")) ||
        failed(expectRank(*this, "beta", getBeta(), 1, "[K]")) ||
        failed(expectFloatWeight(*this, "gamma", getGamma())) ||
        failed(expectFloatWeight(*this, "beta", getBeta())) ||
        failed(expectSameDim(*this, "gamma width", getGamma(), 0, "input width", getInput(), last)) ||
        failed(expectSameDim(*this, "beta width", getBeta(), 0, "input width", getInput(), last)))
      return failure();
    if (!(getEpsilon()->convertToDouble() > 0.0))
      return emitOpError() << "epsilon must be positive, got " << getEpsilon()->convertToDouble();
  }
  if (getResidual())
    return expectSameShape(*this, "residual", getResidual(), "result", getResult());
  return success();
}

LogicalResult EmbedOp::verify() {
  if (failed(expectRank(*this, "token table", getTokens(), 2, "[V, E]")) ||
      failed(expectRank(*this, "position table", getPositions(), 2, "[n_positions, E]")) ||
      failed(expectRank(*this, "ids", getIds(), 2, "[B, T]")) ||
      failed(expectRank(*this, "result", getResult(), 3, "[B, T, E]")) ||
      failed(expectSameDim(*this, "position table width", getPositions(), 1, "token table width",
                           getTokens(), 1)) ||
      failed(expectSameDim(*this, "result batch", getResult(), 0, "ids batch", getIds(), 0)) ||
      failed(expectSameDim(*this, "result tokens", getResult(), 1, "ids tokens", getIds(), 1)))
    return failure();
  return expectSameDim(*this, "result width", getResult(), 2, "token table width", getTokens(), 1);
}

LogicalResult AttentionOp::verify() {
  if (failed(expectRank(*this, "query", getQuery(), 4, "[B, H, T, D]")) ||
      failed(verifyCacheLike(*this, "query", getQuery(), getKeys())) ||
      failed(expectSameShape(*this, "values", getValues(), "keys", getKeys())) ||
      failed(expectSameShape(*this, "result", getResult(), "query", getQuery())))
    return failure();
  if (!(getScale().convertToFloat() > 0.0f))
    return emitOpError() << "scale must be positive, got " << getScale().convertToFloat();
  return success();
}

LogicalResult LastTokenOp::verify() {
  int64_t axis = getAxis();
  if (axis < 0 || axis >= rank(getInput()))
    return emitOpError() << "axis " << axis << " is out of range for " << getInput().getType();
  if (rank(getResult()) != rank(getInput()))
    return emitOpError() << "result rank (" << rank(getResult()) << ") does not match input rank ("
                         << rank(getInput()) << ")";
  if (dim(getResult(), axis) != 1)
    return emitOpError() << "result must have one position along axis " << axis << ", got "
                         << getResult().getType();
  for (int64_t d = 0; d < rank(getInput()); ++d)
    if (d != axis && failed(expectSameDim(*this, "result dimension " + std::to_string(d), getResult(),
                                          d, "input dimension " + std::to_string(d), getInput(), d)))
      return failure();
  return success();
}

OpFoldResult LastTokenOp::fold(FoldAdaptor) {
  // The last of a single position is the input itself.
  if (getInput().getType() == getResult().getType() && dim(getInput(), getAxis()) == 1)
    return getInput();
  return {};
}
