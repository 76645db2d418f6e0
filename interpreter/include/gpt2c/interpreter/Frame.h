#pragma once
// The state of one function execution: the run-time value of every SSA value
// computed so far, the precision, and the weights converted for it. Op
// evaluators (EvaluableOpInterface) read their operands here and store results.
#include "gpt2c/interpreter/Tensor.h"
#include "gpt2c/interpreter/WeightCache.h"

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

#include <string>

namespace gpt2c::interp {

class Frame {
public:
  Frame(Precision precision, WeightCache &weights) : precision_(precision), weights_(weights) {}

  Precision precision() const { return precision_; }
  WeightCache &weights() { return weights_; }

  void set(mlir::Value value, RuntimeValue runtimeValue);
  const RuntimeValue &get(mlir::Value value) const;
  // Removes and returns a value (lets an op reuse a dead operand's storage).
  RuntimeValue take(mlir::Value value);
  void erase(mlir::Value value) { values_.erase(value); }

  // Typed access; a value of another kind is an interpreter bug and reported as such.
  // Returns a handle sharing the storage, which stays valid while the frame changes.
  template <typename T> Tensor<T> tensor(mlir::Value value) const {
    if (const auto *tensor = std::get_if<Tensor<T>>(&get(value)))
      return *tensor;
    kindMismatch(value);
  }
  std::int64_t index(mlir::Value value) const;

  // The values whose last use is the op being evaluated (set by the interpreter).
  void setDying(llvm::ArrayRef<mlir::Value> values) { dying_ = values; }
  // A tensor the caller may modify: the operand's own storage when this is its
  // last use (no copy), otherwise a private copy.
  template <typename T> Tensor<T> claim(mlir::Value value) {
    Tensor<T> tensor = this->tensor<T>(value);
    if (llvm::is_contained(dying_, value))
      values_.erase(value);
    return tensor;
  }

  // Throws gpt2c::Error "LOCATION: 'op.name' op MESSAGE".
  [[noreturn]] static void fail(mlir::Operation *op, const std::string &message);

private:
  [[noreturn]] void kindMismatch(mlir::Value value) const;

  Precision precision_;
  WeightCache &weights_;
  llvm::DenseMap<mlir::Value, RuntimeValue> values_;
  llvm::ArrayRef<mlir::Value> dying_;
};

// Runs `body.template operator()<T>()` with T the frame's floating-point type.
template <typename Body> void withPrecision(const Frame &frame, Body &&body) {
  if (frame.precision() == Precision::F32)
    body.template operator()<float>();
  else
    body.template operator()<double>();
}

} // namespace gpt2c::interp
