#include "gpt2c/support/FloatFormats.h"

#include <bit>

namespace gpt2c {

float halfToFloat(std::uint16_t bits) {
  std::uint32_t sign = std::uint32_t(bits & 0x8000) << 16;
  std::uint32_t exponent = (bits >> 10) & 0x1F;
  std::uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0x1F) // infinity or NaN (payload kept)
    return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  if (exponent == 0) {
    if (mantissa == 0)
      return std::bit_cast<float>(sign);
    // Subnormal half: the value is mantissa * 2^-24, exact in float32.
    float magnitude = float(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

std::uint16_t floatToHalf(float value) {
  std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  std::uint16_t sign = std::uint16_t((bits >> 16) & 0x8000);
  std::uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude > 0x7F800000) // NaN: keep it quiet
    return sign | 0x7E00 | std::uint16_t((magnitude >> 13) & 0x3FF);
  if (magnitude >= 0x477FF000) // rounds to or beyond 65520: infinity
    return sign | 0x7C00;
  if (magnitude < 0x38800000) { // below the smallest normal half: subnormal or zero
    // Scale into units of 2^-24 and round to nearest even through float arithmetic,
    // which is exact here because the result has at most 11 significant bits.
    float scaled = std::bit_cast<float>(magnitude) * 0x1p24f;
    float rounded = scaled + 0x1p23f - 0x1p23f; // RNE to an integer (scaled < 2^10)
    return sign | std::uint16_t(rounded);
  }
  std::uint32_t rebased = magnitude - (112u << 23);
  std::uint32_t roundBit = 1u << 12;
  std::uint32_t lowerBits = rebased & 0x1FFF;
  std::uint32_t half = rebased >> 13;
  if (lowerBits > roundBit || (lowerBits == roundBit && (half & 1)))
    ++half; // may carry into the exponent, which is the right result
  return sign | std::uint16_t(half);
}

float bfloat16ToFloat(std::uint16_t bits) {
  return std::bit_cast<float>(std::uint32_t(bits) << 16);
}

std::uint16_t floatToBfloat16(float value) {
  std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  if ((bits & 0x7FFFFFFF) > 0x7F800000) // NaN: keep it quiet
    return std::uint16_t((bits >> 16) | 0x40);
  std::uint32_t roundingBias = 0x7FFF + ((bits >> 16) & 1);
  return std::uint16_t((bits + roundingBias) >> 16);
}

} // namespace gpt2c
