#pragma once
// Element types as safetensors names them. Every standard safetensors dtype is
// recognised (so that file layouts can be validated); only F32, F16 and BF16 are
// accepted for the weights gpt2c computes with.
#include <cstddef>
#include <optional>
#include <string_view>

namespace gpt2c {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, Bool, F8E4M3, F8E5M2 };

std::optional<DType> parseDType(std::string_view name);
std::string_view dtypeName(DType dtype);
std::size_t dtypeSize(DType dtype);
// F32, F16 and BF16: the storage formats gpt2c reads weights from.
bool isWeightDType(DType dtype);

} // namespace gpt2c
