#include "gpt2c/interpreter/Frame.h"

#include "gpt2c/support/Error.h"

#include "mlir/IR/Location.h"
#include "llvm/Support/raw_ostream.h"

namespace gpt2c::interp {

void Frame::set(mlir::Value value, RuntimeValue runtimeValue) {
  values_[value] = std::move(runtimeValue);
}

const RuntimeValue &Frame::get(mlir::Value value) const {
  auto it = values_.find(value);
  if (it == values_.end()) {
    std::string name;
    llvm::raw_string_ostream os(name);
    value.printAsOperand(os, mlir::OpPrintingFlags());
    throw Error("interpreter: value " + name + " used before it was computed");
  }
  return it->second;
}

RuntimeValue Frame::take(mlir::Value value) {
  RuntimeValue taken = get(value);
  values_.erase(value);
  return taken;
}

std::int64_t Frame::index(mlir::Value value) const {
  if (const auto *scalar = std::get_if<std::int64_t>(&get(value)))
    return *scalar;
  kindMismatch(value);
}

void Frame::kindMismatch(mlir::Value value) const {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "interpreter: value of type " << value.getType() << " holds a run-time value of another kind";
  throw Error(text);
}

void Frame::fail(mlir::Operation *op, const std::string &message) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << op->getLoc() << ": '" << op->getName() << "' op " << message;
  throw Error(text);
}

} // namespace gpt2c::interp
