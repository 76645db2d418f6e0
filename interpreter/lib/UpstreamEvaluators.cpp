// Evaluators of the upstream ops that imported and optimised gpt2 IR contains:
// index arithmetic (cache lengths, positions) and tensor dimensions.
#include "Evaluators.h"

#include "gpt2c/IR/Gpt2Interfaces.h"
#include "gpt2c/interpreter/Frame.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace gpt2c::interp {
namespace {

std::int64_t tensorDim(const RuntimeValue &value, std::int64_t index) {
  return std::visit(
      [&](const auto &held) -> std::int64_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(held)>, std::int64_t>)
          return -1;
        else
          return index < held.rank() ? held.dim(index) : -1;
      },
      value);
}

struct ConstantEvaluator
    : public gpt2::EvaluableOpInterface::ExternalModel<ConstantEvaluator, arith::ConstantOp> {
  void evaluate(Operation *op, Frame &frame) const {
    auto constant = cast<arith::ConstantOp>(op);
    auto integer = dyn_cast<IntegerAttr>(constant.getValue());
    if (!integer || !constant.getType().isIntOrIndex())
      Frame::fail(op, "only integer and index constants are interpreted");
    frame.set(constant.getResult(), integer.getValue().getSExtValue());
  }
};

// Binary integer/index arithmetic on scalars.
template <typename OpT, std::int64_t (*Apply)(std::int64_t, std::int64_t)>
struct BinaryEvaluator
    : public gpt2::EvaluableOpInterface::ExternalModel<BinaryEvaluator<OpT, Apply>, OpT> {
  void evaluate(Operation *op, Frame &frame) const {
    auto binary = cast<OpT>(op);
    if (!binary.getType().isIntOrIndex())
      Frame::fail(op, "only scalar integer and index arithmetic is interpreted");
    frame.set(binary.getResult(),
              Apply(frame.index(binary.getLhs()), frame.index(binary.getRhs())));
  }
};

std::int64_t add(std::int64_t a, std::int64_t b) { return a + b; }
std::int64_t subtract(std::int64_t a, std::int64_t b) { return a - b; }
std::int64_t multiply(std::int64_t a, std::int64_t b) { return a * b; }
std::int64_t minimum(std::int64_t a, std::int64_t b) { return std::min(a, b); }
std::int64_t maximum(std::int64_t a, std::int64_t b) { return std::max(a, b); }

struct DimEvaluator
    : public gpt2::EvaluableOpInterface::ExternalModel<DimEvaluator, tensor::DimOp> {
  void evaluate(Operation *op, Frame &frame) const {
    auto dim = cast<tensor::DimOp>(op);
    std::int64_t index = frame.index(dim.getIndex());
    std::int64_t extent = tensorDim(frame.get(dim.getSource()), index);
    if (extent < 0)
      Frame::fail(op, "dimension " + std::to_string(index) + " is out of range");
    frame.set(dim.getResult(), extent);
  }
};

} // namespace

void registerUpstreamEvaluators(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, arith::ArithDialect *) {
    arith::ConstantOp::attachInterface<ConstantEvaluator>(*context);
    arith::AddIOp::attachInterface<BinaryEvaluator<arith::AddIOp, add>>(*context);
    arith::SubIOp::attachInterface<BinaryEvaluator<arith::SubIOp, subtract>>(*context);
    arith::MulIOp::attachInterface<BinaryEvaluator<arith::MulIOp, multiply>>(*context);
    arith::MinSIOp::attachInterface<BinaryEvaluator<arith::MinSIOp, minimum>>(*context);
    arith::MaxSIOp::attachInterface<BinaryEvaluator<arith::MaxSIOp, maximum>>(*context);
  });
  registry.addExtension(+[](MLIRContext *context, tensor::TensorDialect *) {
    tensor::DimOp::attachInterface<DimEvaluator>(*context);
  });
}

} // namespace gpt2c::interp
