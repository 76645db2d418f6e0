// Layer-norm prologues and GELU / residual epilogues join their linear layer in a
// gpt2.fused_linear, one pattern per kind of fusion.
#include "gpt2c/passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace gpt2c {

#define GEN_PASS_DEF_FUSELINEAR
#include "gpt2c/passes/Passes.h.inc"

using namespace mlir;

namespace {

// A linear layer with whatever is already fused into it.
struct LinearParts {
  Value input, weight, bias, gamma, beta, residual;
  FloatAttr epsilon;
  bool gelu = false;
};

std::optional<LinearParts> partsOf(Operation *op) {
  if (auto linear = dyn_cast_or_null<gpt2::LinearOp>(op))
    return LinearParts{linear.getInput(), linear.getWeight(), linear.getBias(), {}, {}, {}, {}, false};
  if (auto fused = dyn_cast_or_null<gpt2::FusedLinearOp>(op))
    return LinearParts{fused.getInput(),    fused.getWeight(), fused.getBias(),
                       fused.getGamma(),    fused.getBeta(),   fused.getResidual(),
                       fused.getEpsilonAttr(), fused.getGelu()};
  return std::nullopt;
}

// Replaces `root` by a fused_linear made of `parts`, located at the fused
// locations of everything it absorbs.
void replaceWithFused(PatternRewriter &rewriter, Operation *root, ArrayRef<Location> locations,
                      const LinearParts &parts) {
  auto fused = gpt2::FusedLinearOp::create(
      rewriter, rewriter.getFusedLoc(locations), root->getResult(0).getType(), parts.input,
      parts.weight, parts.bias, parts.gamma, parts.beta, parts.residual, parts.epsilon,
      parts.gelu ? rewriter.getUnitAttr() : UnitAttr());
  rewriter.replaceOp(root, fused);
}

// linear(layer_norm(x)) -> fused_linear(x) norm(...), when the norm has no other user.
template <typename LinearT> struct AbsorbNorm : OpRewritePattern<LinearT> {
  using OpRewritePattern<LinearT>::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearT linear, PatternRewriter &rewriter) const override {
    LinearParts parts = *partsOf(linear);
    auto norm = parts.input.template getDefiningOp<gpt2::LayerNormOp>();
    if (parts.gamma || !norm || !parts.input.hasOneUse())
      return rewriter.notifyMatchFailure(linear, "input is not a layer norm used only here");
    parts.input = norm.getInput();
    parts.gamma = norm.getGamma();
    parts.beta = norm.getBeta();
    parts.epsilon = norm.getEpsilonAttr();
    replaceWithFused(rewriter, linear, {norm.getLoc(), linear.getLoc()}, parts);
    return success();
  }
};

// gelu(linear(x)) -> fused_linear(x) gelu, when the linear has no other user.
struct AbsorbGelu : OpRewritePattern<gpt2::GeluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(gpt2::GeluOp gelu, PatternRewriter &rewriter) const override {
    Operation *producer = gelu.getInput().getDefiningOp();
    std::optional<LinearParts> parts = partsOf(producer);
    // An existing residual would come before the activation: not this op's semantics.
    if (!parts || !gelu.getInput().hasOneUse() || parts->gelu || parts->residual)
      return rewriter.notifyMatchFailure(gelu, "input is not a plain linear used only here");
    parts->gelu = true;
    replaceWithFused(rewriter, gelu, {producer->getLoc(), gelu.getLoc()}, *parts);
    return success();
  }
};

// add(h, linear(x)) -> fused_linear(x) residual(h), when the linear has no other user.
struct AbsorbResidual : OpRewritePattern<gpt2::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(gpt2::AddOp add, PatternRewriter &rewriter) const override {
    // The branch output is usually the rhs (h + f(h)); try it first.
    for (auto [branch, other] : {std::pair(add.getRhs(), add.getLhs()),
                                 std::pair(add.getLhs(), add.getRhs())}) {
      Operation *producer = branch.getDefiningOp();
      std::optional<LinearParts> parts = partsOf(producer);
      if (!parts || !branch.hasOneUse() || parts->residual ||
          other.getType() != add.getResult().getType())
        continue;
      parts->residual = other;
      replaceWithFused(rewriter, add, {producer->getLoc(), add.getLoc()}, *parts);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "no operand is a linear used only here");
  }
};

struct FuseLinearPass : impl::FuseLinearBase<FuseLinearPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<AbsorbNorm<gpt2::LinearOp>, AbsorbNorm<gpt2::FusedLinearOp>, AbsorbGelu,
                 AbsorbResidual>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace gpt2c
