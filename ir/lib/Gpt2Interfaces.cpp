#include "gpt2c/IR/Gpt2Interfaces.h"

#include "gpt2c/IR/Gpt2Interfaces.cpp.inc"
