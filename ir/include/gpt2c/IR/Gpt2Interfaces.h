#pragma once
// Interfaces of the gpt2 dialect (generated from Gpt2Interfaces.td).
#include "mlir/IR/OpDefinition.h"

namespace gpt2c::interp {
class Frame;
} // namespace gpt2c::interp

#include "gpt2c/IR/Gpt2Interfaces.h.inc"
