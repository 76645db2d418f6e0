#include "gpt2c/passes/Passes.h"
#include "gpt2c/passes/ShapeRefinement.h"

#include "gpt2c/IR/Gpt2Interfaces.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace gpt2c {

#define GEN_PASS_DEF_REFINESHAPES
#include "gpt2c/passes/Passes.h.inc"

using namespace mlir;

void refineShapes(func::FuncOp function) {
  function.walk([](gpt2::ShapeRefinementOpInterface op) {
    for (auto [result, refined] : llvm::zip(op->getResults(), op.refineResultTypes()))
      if (result.getType() != refined)
        result.setType(refined);
  });
  Operation *terminator = function.getBody().front().getTerminator();
  function.setType(FunctionType::get(function.getContext(), function.getArgumentTypes(),
                                     terminator->getOperandTypes()));
}

LogicalResult simplify(func::FuncOp function) {
  MLIRContext *context = function.getContext();
  RewritePatternSet patterns(context);
  for (Dialect *dialect : context->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : context->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, context);
  return applyPatternsGreedily(function, std::move(patterns));
}

namespace {
struct RefineShapesPass : impl::RefineShapesBase<RefineShapesPass> {
  void runOnOperation() override { refineShapes(getOperation()); }
};
} // namespace

} // namespace gpt2c
