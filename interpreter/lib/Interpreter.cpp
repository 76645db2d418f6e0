#include "gpt2c/interpreter/Interpreter.h"

#include "Evaluators.h"

#include "gpt2c/IR/Gpt2Dialect.h"
#include "gpt2c/IR/Gpt2Interfaces.h"
#include "gpt2c/support/Error.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace gpt2c::interp {
namespace {

std::string describe(Type type) {
  std::string text;
  llvm::raw_string_ostream(text) << type;
  return text;
}

// Shape of a run-time tensor, or nullopt for an index scalar.
std::optional<std::vector<std::int64_t>> runtimeShape(const RuntimeValue &value) {
  return std::visit(
      [](const auto &held) -> std::optional<std::vector<std::int64_t>> {
        if constexpr (std::is_same_v<std::decay_t<decltype(held)>, std::int64_t>)
          return std::nullopt;
        else
          return held.shape();
      },
      value);
}

// Whether `value` is the kind of run-time value `type` describes (element kind and
// every static dimension), given the interpreter's precision.
bool matchesType(const RuntimeValue &value, Type type, Precision precision) {
  if (type.isIndex())
    return std::holds_alternative<std::int64_t>(value);
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType)
    return false;
  Type element = tensorType.getElementType();
  bool kindMatches =
      element.isInteger(32) ? std::holds_alternative<Tensor<std::int32_t>>(value)
      : precision == Precision::F32 ? std::holds_alternative<Tensor<float>>(value)
                                    : std::holds_alternative<Tensor<double>>(value);
  auto shape = runtimeShape(value);
  if (!kindMatches || !shape || std::int64_t(shape->size()) != tensorType.getRank())
    return false;
  for (std::int64_t d = 0; d < tensorType.getRank(); ++d)
    if (!tensorType.isDynamicDim(d) && tensorType.getDimSize(d) != (*shape)[std::size_t(d)])
      return false;
  return true;
}

std::string shapeText(const RuntimeValue &value) {
  auto shape = runtimeShape(value);
  return shape ? fmt::format("[{}]", fmt::join(*shape, ", ")) : "index";
}

} // namespace

void registerEvaluators(DialectRegistry &registry) {
  registry.insert<gpt2::Gpt2Dialect, func::FuncDialect, arith::ArithDialect,
                  tensor::TensorDialect>();
  registerGpt2Evaluators(registry);
  registerUpstreamEvaluators(registry);
}

void prepareContext(MLIRContext &context) {
  DialectRegistry registry;
  registerEvaluators(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
}

Interpreter::Interpreter(func::FuncOp function, const WeightStore &store, Precision precision)
    : Interpreter(function, std::make_shared<WeightCache>(store), precision) {}

Interpreter::Interpreter(func::FuncOp function, std::shared_ptr<WeightCache> weights,
                         Precision precision)
    : function_(function), precision_(precision), weights_(std::move(weights)) {
  if (!function.getBody().hasOneBlock())
    throw Error("interpreter: @" + function.getSymName().str() +
                " must have a single block (no control flow)");
  Block &body = function.getBody().front();
  // Values die after their last user; function results live until the return.
  llvm::DenseMap<Value, Operation *> lastUser;
  for (Operation &op : body)
    for (Value operand : op.getOperands())
      lastUser[operand] = &op;
  llvm::DenseMap<Operation *, std::vector<Value>> dying;
  for (auto [value, user] : lastUser)
    if (!isa<func::ReturnOp>(user))
      dying[user].push_back(value);
  for (Operation &op : body) {
    if (!isa<func::ReturnOp>(op) && !isa<gpt2::EvaluableOpInterface>(op))
      throw Error(fmt::format("interpreter: no evaluator for '{}' (in @{})",
                              op.getName().getStringRef().str(), function.getSymName().str()));
    schedule_.emplace_back(&op, dying.lookup(&op));
  }
}

void Interpreter::checkArgument(unsigned index, const RuntimeValue &value) {
  Type type = function_.getArgument(index).getType();
  if (!matchesType(value, type, precision_))
    throw Error(fmt::format("interpreter: argument {} of @{} must be {}, got a value of shape {}",
                            index, function_.getSymName().str(), describe(type), shapeText(value)));
}

std::vector<RuntimeValue> Interpreter::run(std::vector<RuntimeValue> arguments) {
  if (arguments.size() != function_.getNumArguments())
    throw Error(fmt::format("interpreter: @{} takes {} arguments, got {}",
                            function_.getSymName().str(), function_.getNumArguments(),
                            arguments.size()));
  Frame frame(precision_, *weights_);
  for (unsigned i = 0; i < arguments.size(); ++i) {
    checkArgument(i, arguments[i]);
    frame.set(function_.getArgument(i), std::move(arguments[i]));
  }
  for (auto &[op, dyingValues] : schedule_) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      std::vector<RuntimeValue> results;
      for (Value operand : ret.getOperands())
        results.push_back(frame.take(operand));
      return results;
    }
    frame.setDying(dyingValues);
    cast<gpt2::EvaluableOpInterface>(op).evaluate(frame);
    frame.setDying({});
    for (Value result : op->getResults())
      if (!matchesType(frame.get(result), result.getType(), precision_))
        Frame::fail(op, fmt::format("produced a value of shape {} for result type {}",
                                    shapeText(frame.get(result)), describe(result.getType())));
    for (Value value : dyingValues)
      frame.erase(value);
  }
  throw Error("interpreter: @" + function_.getSymName().str() + " has no return");
}

} // namespace gpt2c::interp
