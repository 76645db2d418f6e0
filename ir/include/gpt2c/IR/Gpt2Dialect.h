#pragma once
// The `gpt2` dialect: its attributes and operations (generated from ODS).
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "gpt2c/IR/Gpt2Dialect.h.inc"
#include "gpt2c/IR/Gpt2Interfaces.h"

#define GET_ATTRDEF_CLASSES
#include "gpt2c/IR/Gpt2Attrs.h.inc"

#define GET_OP_CLASSES
#include "gpt2c/IR/Gpt2Ops.h.inc"

namespace gpt2c::gpt2 {
// Name of the module attribute that carries the model's #gpt2.config.
inline constexpr llvm::StringLiteral kConfigAttrName = "gpt2.config";

// How a weight element is stored, as kernels and artifacts name it: "f32", "bf16",
// "f16" or "int8"; empty for any other type.
inline llvm::StringRef storageTypeName(mlir::Type element) {
  if (element.isF32())
    return "f32";
  if (element.isBF16())
    return "bf16";
  if (element.isF16())
    return "f16";
  if (element.isInteger(8))
    return "int8";
  return "";
}
} // namespace gpt2c::gpt2
