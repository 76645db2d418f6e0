#include "gpt2c/passes/ScheduleKeys.h"

#include "gpt2c/IR/Gpt2Dialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/raw_ostream.h"

namespace gpt2c {

using namespace mlir;

namespace {

std::string phaseOf(Operation *op) {
  auto function = op->getParentOfType<func::FuncOp>();
  auto phase = function ? function->getAttrOfType<StringAttr>("gpt2.phase") : StringAttr();
  return phase ? phase.getValue().str() : "forward";
}

std::string typeName(Type type) {
  std::string text;
  llvm::raw_string_ostream(text) << type;
  return text;
}

// The extent of the rows (tokens) dimension of `value`: 1 is static, anything
// else (dynamic included) is not one row.
bool oneRowAlong(Value value, unsigned dimension) {
  auto type = cast<RankedTensorType>(value.getType());
  return type.getRank() > dimension && type.getDimSize(dimension) == 1;
}

} // namespace

bool computesOneRow(Operation *op) {
  if (phaseOf(op) == "decode")
    return true;
  if (auto linear = dyn_cast<gpt2::FusedLinearOp>(op))
    return oneRowAlong(linear.getInput(), 1);
  if (auto head = dyn_cast<gpt2::LmHeadOp>(op))
    return oneRowAlong(head.getInput(), 1);
  if (auto norm = dyn_cast<gpt2::LayerNormOp>(op))
    return oneRowAlong(norm.getInput(), 1);
  if (auto split = dyn_cast<gpt2::SplitQkvOp>(op))
    return oneRowAlong(split.getQkv(), 1);
  if (auto embed = dyn_cast<gpt2::EmbedOp>(op))
    return oneRowAlong(embed.getIds(), 1);
  if (auto attention = dyn_cast<gpt2::AttentionOp>(op))
    return oneRowAlong(attention.getQuery(), 2); // [batch, heads, queries, head_dim]
  return false;
}

std::string scheduleKey(Operation *op) {
  std::string phase = phaseOf(op), workload;
  if (auto linear = dyn_cast<gpt2::FusedLinearOp>(op)) {
    auto weight = cast<RankedTensorType>(linear.getWeight().getType());
    workload = std::to_string(weight.getDimSize(0)) + "x" + std::to_string(weight.getDimSize(1)) +
               ":" + typeName(weight.getElementType());
  } else if (auto head = dyn_cast<gpt2::LmHeadOp>(op)) {
    workload = typeName(head.getWeight().getType());
  } else if (isa<gpt2::AttentionOp>(op)) {
    return op->getName().getStringRef().str() + ":" +
           (computesOneRow(op) ? "one-query:" : "many-queries:") + phase;
  } else if (isa<gpt2::EmbedOp, gpt2::LayerNormOp, gpt2::SplitQkvOp>(op)) {
    workload = phase == "decode" ? "decode" : "prefill";
  } else {
    return "";
  }
  if (phase != "decode" && computesOneRow(op))
    workload += ":one-row";
  return op->getName().getStringRef().str() + ":" + workload + ":" + phase;
}

} // namespace gpt2c
