// add(embedding(wte, ids), embedding(wpe, position_ids(ids, P))) -> gpt2.embed.
#include "gpt2c/passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace gpt2c {

#define GEN_PASS_DEF_FUSEEMBEDDINGS
#include "gpt2c/passes/Passes.h.inc"

using namespace mlir;

namespace {

struct FuseTokenAndPosition : OpRewritePattern<gpt2::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(gpt2::AddOp add, PatternRewriter &rewriter) const override {
    for (auto [first, second] : {std::pair(add.getLhs(), add.getRhs()),
                                 std::pair(add.getRhs(), add.getLhs())}) {
      auto tokens = first.getDefiningOp<gpt2::EmbeddingOp>();
      auto placed = second.getDefiningOp<gpt2::EmbeddingOp>();
      if (!tokens || !placed || !first.hasOneUse() || !second.hasOneUse())
        continue;
      auto positions = placed.getIds().getDefiningOp<gpt2::PositionIdsOp>();
      // The positions must be those of the token lookup's own ids.
      if (!positions || positions.getIds() != tokens.getIds())
        continue;
      auto embed = gpt2::EmbedOp::create(
          rewriter, rewriter.getFusedLoc({tokens.getLoc(), placed.getLoc(), add.getLoc()}),
          add.getType(), tokens.getTable(), placed.getTable(), tokens.getIds(),
          positions.getPastLength());
      rewriter.replaceOp(add, embed);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "not a sum of token and position embeddings");
  }
};

struct FuseEmbeddingsPass : impl::FuseEmbeddingsBase<FuseEmbeddingsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseTokenAndPosition>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace gpt2c
