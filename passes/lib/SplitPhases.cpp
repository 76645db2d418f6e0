// @forward -> @prefill (P = 0, last-position logits), @decode (T = 1) and, on
// request, @score (P = 0, every position's logits).
#include "gpt2c/passes/Passes.h"
#include "gpt2c/passes/ShapeRefinement.h"

#include "mlir/IR/Builders.h"

namespace gpt2c {

#define GEN_PASS_DEF_SPLITPHASES
#include "gpt2c/passes/Passes.h.inc"

using namespace mlir;

namespace {

constexpr unsigned kIdsArgument = 0;
constexpr unsigned kPastArgument = 1;

func::FuncOp clonePhase(func::FuncOp forward, StringRef name, StringRef phase, StringRef logits) {
  OpBuilder builder(forward);
  auto clone = cast<func::FuncOp>(builder.clone(*forward));
  clone.setSymName(name);
  clone->setAttr("gpt2.phase", builder.getStringAttr(phase));
  clone->setAttr("gpt2.logits", builder.getStringAttr(logits));
  return clone;
}

// Prefill and score start from an empty cache: the past length is the constant 0.
void fixPastToZero(func::FuncOp function) {
  Block &entry = function.getBody().front();
  OpBuilder builder = OpBuilder::atBlockBegin(&entry);
  Value zero = arith::ConstantIndexOp::create(builder, function.getLoc(), 0);
  entry.getArgument(kPastArgument).replaceAllUsesWith(zero);
  (void)function.eraseArgument(kPastArgument);
}

// Decode feeds exactly one new token per sequence.
void fixOneToken(func::FuncOp function) {
  BlockArgument ids = function.getArgument(kIdsArgument);
  auto type = cast<RankedTensorType>(ids.getType());
  ids.setType(RankedTensorType::get({type.getDimSize(0), 1}, type.getElementType()));
  SmallVector<Type> inputs(function.getArgumentTypes());
  inputs[kIdsArgument] = ids.getType();
  function.setType(FunctionType::get(function.getContext(), inputs, function.getResultTypes()));
}

struct SplitPhasesPass : impl::SplitPhasesBase<SplitPhasesPass> {
  using SplitPhasesBase::SplitPhasesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward) {
      module.emitError() << "gpt2-split-phases: the module has no @forward to split";
      return signalPassFailure();
    }
    if (forward.getNumArguments() < 2 ||
        !isa<RankedTensorType>(forward.getArgument(kIdsArgument).getType()) ||
        !forward.getArgument(kPastArgument).getType().isIndex()) {
      forward.emitError() << "gpt2-split-phases: @forward must take (ids, past_length, caches...)";
      return signalPassFailure();
    }

    SmallVector<func::FuncOp> phases;
    func::FuncOp prefill = clonePhase(forward, "prefill", "prefill", "last");
    fixPastToZero(prefill);
    phases.push_back(prefill);
    if (score) {
      func::FuncOp scoring = clonePhase(forward, "score", "prefill", "all");
      fixPastToZero(scoring);
      phases.push_back(scoring);
    }
    func::FuncOp decode = clonePhase(forward, "decode", "decode", "last");
    fixOneToken(decode);
    phases.push_back(decode);

    for (func::FuncOp phase : phases) {
      refineShapes(phase);
      if (failed(simplify(phase))) {
        phase.emitError() << "gpt2-split-phases: simplification did not converge";
        return signalPassFailure();
      }
      refineShapes(phase);
    }
    if (!keepForward)
      forward.erase();
  }
};

} // namespace
} // namespace gpt2c
