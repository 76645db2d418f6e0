#pragma once
// The reference interpreter: executes a function of the gpt2 dialect (and the
// upstream ops the pipeline uses) on the CPU in float32, or float64 for checks,
// straight from its IR. It is the oracle every optimisation is compared against.
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/interpreter/Frame.h"
#include "gpt2c/interpreter/Tensor.h"
#include "gpt2c/interpreter/WeightCache.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"

#include <memory>
#include <vector>

namespace gpt2c::interp {

// Registers the evaluators of the gpt2 ops and the upstream ops the pipeline uses.
void registerEvaluators(mlir::DialectRegistry &registry);
// Loads the dialects an interpreted module may contain, with their evaluators.
void prepareContext(mlir::MLIRContext &context);

class Interpreter {
public:
  // `function` must outlive the interpreter; weights come from `store` (converted
  // once and kept across runs).
  Interpreter(mlir::func::FuncOp function, const WeightStore &store, Precision precision);
  // Shares converted weights with other interpreters of the same module (phases).
  Interpreter(mlir::func::FuncOp function, std::shared_ptr<WeightCache> weights,
              Precision precision);

  Precision precision() const { return precision_; }
  // Runs the function; checks the arguments against its signature. Throws
  // gpt2c::Error with the failing op's location on invalid run-time values.
  std::vector<RuntimeValue> run(std::vector<RuntimeValue> arguments);

private:
  void checkArgument(unsigned index, const RuntimeValue &value);

  mlir::func::FuncOp function_;
  Precision precision_;
  std::shared_ptr<WeightCache> weights_;
  // For each op of the body, the values whose last use it is (freed after it runs).
  std::vector<std::pair<mlir::Operation *, std::vector<mlir::Value>>> schedule_;
};

} // namespace gpt2c::interp
