#pragma once
// Writes a single-file safetensors checkpoint from a weight store, streaming one
// tensor at a time so that even gpt2-xl never needs its weights in memory at once.
#include "gpt2c/checkpoint/DType.h"
#include "gpt2c/checkpoint/WeightStore.h"

#include <string>

namespace gpt2c {

// Stores every tensor of `store` in `dtype` (F32, F16 or BF16; narrowing rounds to
// nearest even). Writes to a temporary file and renames it, so a failed or
// interrupted write never leaves a truncated checkpoint at `path`.
void writeSafeTensors(const WeightStore &store, DType dtype, const std::string &path);

} // namespace gpt2c
