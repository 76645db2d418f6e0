#pragma once
// Conversions between float32 and the 16-bit storage formats of checkpoints
// (IEEE binary16 and bfloat16). Widening is exact; narrowing rounds to nearest even.
#include <cstdint>

namespace gpt2c {

float halfToFloat(std::uint16_t bits);
std::uint16_t floatToHalf(float value);
float bfloat16ToFloat(std::uint16_t bits);
std::uint16_t floatToBfloat16(float value);

} // namespace gpt2c
