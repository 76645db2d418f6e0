// cache_read x 2 + batch_matmul(Q, K^T) + scale + causal_mask + softmax +
// batch_matmul(P, V) -> gpt2.attention.
#include "gpt2c/passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace gpt2c {

#define GEN_PASS_DEF_FUSEATTENTION
#include "gpt2c/passes/Passes.h.inc"

using namespace mlir;

namespace {

// The op defining `value` when it is of type OpT and `value` has no other user.
template <typename OpT> OpT soleProducer(Value value) {
  auto op = value.getDefiningOp<OpT>();
  return op && value.hasOneUse() ? op : OpT();
}

// Rooted at the product with V, the last op of the chain.
struct FuseAttentionChain : OpRewritePattern<gpt2::BatchMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(gpt2::BatchMatmulOp byValues,
                                PatternRewriter &rewriter) const override {
    if (byValues.getTransposeRhs())
      return rewriter.notifyMatchFailure(byValues, "not a product with V");
    auto softmax = soleProducer<gpt2::SoftmaxOp>(byValues.getLhs());
    if (!softmax)
      return rewriter.notifyMatchFailure(byValues, "lhs is not a softmax used only here");
    auto mask = soleProducer<gpt2::CausalMaskOp>(softmax.getInput());
    if (!mask)
      return rewriter.notifyMatchFailure(softmax, "no causal mask used only by the softmax");
    auto scale = soleProducer<gpt2::ScaleOp>(mask.getScores());
    if (!scale)
      return rewriter.notifyMatchFailure(mask, "no scale used only by the mask");
    auto scores = soleProducer<gpt2::BatchMatmulOp>(scale.getInput());
    if (!scores || !scores.getTransposeRhs())
      return rewriter.notifyMatchFailure(scale, "no Q K^T product used only by the scale");
    auto keys = scores.getRhs().getDefiningOp<gpt2::CacheReadOp>();
    auto values = byValues.getRhs().getDefiningOp<gpt2::CacheReadOp>();
    if (!keys || !values)
      return rewriter.notifyMatchFailure(byValues, "keys and values are not cache reads");
    if (keys.getLength() != values.getLength())
      return rewriter.notifyMatchFailure(byValues, "keys and values read different lengths");

    Value query = scores.getLhs();
    int64_t headDim = cast<RankedTensorType>(query.getType()).getDimSize(3);
    if (ShapedType::isDynamic(headDim))
      return rewriter.notifyMatchFailure(scores, "head dimension unknown");
    // GPT-2 scales scores by 1/sqrt(D); anything else is another model.
    float expected = float(1.0 / std::sqrt(double(headDim)));
    float factor = scale.getFactor().convertToFloat();
    if (std::abs(factor - expected) > 1e-6f * expected)
      return rewriter.notifyMatchFailure(scale, "scale is not 1/sqrt(head dimension)");

    Location loc = rewriter.getFusedLoc(
        {scores.getLoc(), scale.getLoc(), mask.getLoc(), softmax.getLoc(), byValues.getLoc()});
    auto attention = gpt2::AttentionOp::create(
        rewriter, loc, byValues.getType(), query, keys.getCache(), values.getCache(),
        mask.getPastLength(), keys.getLength(), scale.getFactorAttr(), rewriter.getUnitAttr());
    rewriter.replaceOp(byValues, attention);
    return success();
  }
};

struct FuseAttentionPass : impl::FuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttentionChain>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace gpt2c
