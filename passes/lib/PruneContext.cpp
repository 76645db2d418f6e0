// Context pruning: (a) last-position logits for functions that demand only them,
// with the demand moved backwards through row-wise ops; (b) causal attention over
// the valid cache positions only; (c) dead values removed.
#include "gpt2c/passes/Passes.h"
#include "gpt2c/passes/ShapeRefinement.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace gpt2c {

#define GEN_PASS_DEF_PRUNECONTEXT
#include "gpt2c/passes/Passes.h.inc"

using namespace mlir;

namespace {

constexpr int64_t kTokenAxis = 1;     // [B, T, ...] activations
constexpr int64_t kHeadTokenAxis = 2; // [B, H, T, D] per-head activations

std::optional<int64_t> constantIndex(Value value) {
  APInt constant;
  if (matchPattern(value, m_ConstantInt(&constant)))
    return constant.getSExtValue();
  return std::nullopt;
}

// (b) Keys after P + T - 1 are masked for every query of a causal attention, so
// reading the whole window (a constant length, as imported) is wasted: read P + T.
struct AttendValidPositions : OpRewritePattern<gpt2::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(gpt2::AttentionOp attention,
                                PatternRewriter &rewriter) const override {
    std::optional<int64_t> length = constantIndex(attention.getLength());
    if (!attention.getCausal() || !length)
      return rewriter.notifyMatchFailure(attention, "not a causal read of a fixed window");
    auto queryType = cast<RankedTensorType>(attention.getQuery().getType());
    std::optional<int64_t> past = constantIndex(attention.getPastLength());
    int64_t tokens = queryType.getDimSize(kHeadTokenAxis);
    if (past && !ShapedType::isDynamic(tokens) && *past + tokens >= *length)
      return rewriter.notifyMatchFailure(attention, "the window holds no masked position");
    Location loc = attention.getLoc();
    Value newTokens = tensor::DimOp::create(rewriter, loc, attention.getQuery(), kHeadTokenAxis);
    Value valid = arith::AddIOp::create(rewriter, loc, attention.getPastLength(), newTokens);
    rewriter.modifyOpInPlace(attention, [&] { attention.getLengthMutable().assign(valid); });
    return success();
  }
};

// Whether every user of `value` is a last_token along `axis` (and there is one).
bool onlyLastTokenUsers(Value value, int64_t axis) {
  if (value.use_empty())
    return false;
  return llvm::all_of(value.getUsers(), [&](Operation *user) {
    auto last = dyn_cast<gpt2::LastTokenOp>(user);
    return last && last.getAxis() == axis;
  });
}

// Replaces the last_token users of `op`'s result by `replacement`.
void replaceLastTokenUsers(PatternRewriter &rewriter, Operation *op, Value replacement) {
  for (Operation *user : llvm::make_early_inc_range(op->getResult(0).getUsers()))
    rewriter.replaceOp(user, replacement);
}

// last_token along `axis` of `value`, with the result type it implies.
Value lastToken(PatternRewriter &rewriter, Location loc, Value value, int64_t axis) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = 1;
  return gpt2::LastTokenOp::create(rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
                                   value, rewriter.getI64IntegerAttr(axis));
}

RankedTensorType withOnePosition(Value value, int64_t axis) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = 1;
  return RankedTensorType::get(shape, type.getElementType());
}

// (a) An op that computes each token's row from the same token's rows of its
// activation operands commutes with last_token: slice the operands instead.
template <typename OpT> struct SliceRowWiseOperands : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    if (!onlyLastTokenUsers(op->getResult(0), kTokenAxis))
      return rewriter.notifyMatchFailure(op, "not demanded for the last token only");
    // Activations are f32 tensors with a token axis; weights are left alone.
    IRMapping mapping;
    for (Value operand : op->getOperands()) {
      auto type = cast<RankedTensorType>(operand.getType());
      bool activation = type.getRank() >= 2 && type.getElementType().isF32() &&
                        !operand.template getDefiningOp<gpt2::WeightOp>();
      if (activation)
        mapping.map(operand, lastToken(rewriter, op.getLoc(), operand, kTokenAxis));
    }
    Operation *sliced = rewriter.clone(*op, mapping);
    sliced->getResult(0).setType(withOnePosition(op->getResult(0), kTokenAxis));
    replaceLastTokenUsers(rewriter, op, sliced->getResult(0));
    return success();
  }
};

// merge_heads([B, H, T, D]) -> [B, T, E]: the token axis moves from 2 to 1.
struct SliceMergeHeads : OpRewritePattern<gpt2::MergeHeadsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(gpt2::MergeHeadsOp merge, PatternRewriter &rewriter) const override {
    if (!onlyLastTokenUsers(merge.getResult(), kTokenAxis))
      return rewriter.notifyMatchFailure(merge, "not demanded for the last token only");
    Value input = lastToken(rewriter, merge.getLoc(), merge.getInput(), kHeadTokenAxis);
    auto sliced = gpt2::MergeHeadsOp::create(rewriter, merge.getLoc(),
                                             withOnePosition(merge.getResult(), kTokenAxis), input);
    replaceLastTokenUsers(rewriter, merge, sliced);
    return success();
  }
};

// The last query of an attention sits at position P + T - 1: attend with it alone.
struct SliceAttentionQuery : OpRewritePattern<gpt2::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(gpt2::AttentionOp attention,
                                PatternRewriter &rewriter) const override {
    if (!onlyLastTokenUsers(attention.getResult(), kHeadTokenAxis))
      return rewriter.notifyMatchFailure(attention, "not demanded for the last token only");
    Location loc = attention.getLoc();
    Value tokens = tensor::DimOp::create(rewriter, loc, attention.getQuery(), kHeadTokenAxis);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value lastPosition = arith::AddIOp::create(
        rewriter, loc, attention.getPastLength(), arith::SubIOp::create(rewriter, loc, tokens, one));
    Value query = lastToken(rewriter, loc, attention.getQuery(), kHeadTokenAxis);
    auto sliced = gpt2::AttentionOp::create(
        rewriter, loc, withOnePosition(attention.getResult(), kHeadTokenAxis), query,
        attention.getKeys(), attention.getValues(), lastPosition, attention.getLength(),
        attention.getScaleAttr(), attention.getCausalAttr());
    replaceLastTokenUsers(rewriter, attention, sliced);
    return success();
  }
};

// Seeds the demand: a function marked gpt2.logits = "last" returns the logits of
// the last position only.
void demandLastLogits(func::FuncOp function) {
  auto demand = function->getAttrOfType<StringAttr>("gpt2.logits");
  if (!demand || demand.getValue() != "last")
    return;
  Operation *terminator = function.getBody().front().getTerminator();
  Value logits = terminator->getOperand(0);
  auto type = cast<RankedTensorType>(logits.getType());
  if (type.getRank() != 3 || type.getDimSize(kTokenAxis) == 1 || logits.getDefiningOp<gpt2::LastTokenOp>())
    return;
  OpBuilder builder(terminator);
  Value last = gpt2::LastTokenOp::create(builder, logits.getLoc(), withOnePosition(logits, kTokenAxis),
                                         logits, builder.getI64IntegerAttr(kTokenAxis));
  terminator->setOperand(0, last);
  function.setType(FunctionType::get(function.getContext(), function.getArgumentTypes(),
                                     terminator->getOperandTypes()));
}

struct PruneContextPass : impl::PruneContextBase<PruneContextPass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    demandLastLogits(function);
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<AttendValidPositions, SliceAttentionQuery, SliceMergeHeads,
                 SliceRowWiseOperands<gpt2::LmHeadOp>, SliceRowWiseOperands<gpt2::LayerNormOp>,
                 SliceRowWiseOperands<gpt2::LinearOp>, SliceRowWiseOperands<gpt2::FusedLinearOp>,
                 SliceRowWiseOperands<gpt2::GeluOp>, SliceRowWiseOperands<gpt2::AddOp>>(context);
    // Dead values go with the canonicalisations of the ops involved.
    gpt2::LastTokenOp::getCanonicalizationPatterns(patterns, context);
    arith::AddIOp::getCanonicalizationPatterns(patterns, context);
    arith::SubIOp::getCanonicalizationPatterns(patterns, context);
    tensor::DimOp::getCanonicalizationPatterns(patterns, context);
    if (failed(applyPatternsGreedily(function, std::move(patterns))))
      return signalPassFailure();
    refineShapes(function);
  }
};

} // namespace
} // namespace gpt2c
