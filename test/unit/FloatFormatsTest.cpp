// Storage-format conversions checked against the compiler's own _Float16 and
// __bf16 conversions (an independent implementation), exhaustively where cheap.
#include "gpt2c/support/FloatFormats.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

namespace gpt2c {
namespace {

TEST(FloatFormats, KnownHalfValues) {
  EXPECT_EQ(halfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(halfToFloat(0xC000), -2.0f);
  EXPECT_EQ(halfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isinf(halfToFloat(0x7C00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7E00)));
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);     // tie rounds to even
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02); // tie rounds to even (up)
  EXPECT_EQ(floatToHalf(65520.0f), 0x7C00);                         // overflows to infinity
}

TEST(FloatFormats, HalfWideningMatchesCompilerExhaustively) {
  for (std::uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    float reference = static_cast<float>(std::bit_cast<_Float16>(std::uint16_t(bits)));
    float ours = halfToFloat(std::uint16_t(bits));
    if (std::isnan(reference))
      EXPECT_TRUE(std::isnan(ours)) << std::hex << bits;
    else
      EXPECT_EQ(std::bit_cast<std::uint32_t>(ours), std::bit_cast<std::uint32_t>(reference))
          << std::hex << bits;
  }
}

TEST(FloatFormats, NarrowingMatchesCompilerOnRandomFloats) {
  std::mt19937 random(7);
  std::uniform_int_distribution<std::uint32_t> anyBits;
  for (int i = 0; i < 2'000'000; ++i) {
    // Half the samples cover every float bit pattern, half the range where halves live.
    std::uint32_t bits = anyBits(random);
    if (i % 2)
      bits = (bits & 0x80000000u) | (0x33000000u + bits % (0x47800000u - 0x33000000u));
    float value = std::bit_cast<float>(bits);
    if (std::isnan(value))
      continue;
    EXPECT_EQ(floatToHalf(value), std::bit_cast<std::uint16_t>(static_cast<_Float16>(value)))
        << value;
    EXPECT_EQ(floatToBfloat16(value), std::bit_cast<std::uint16_t>(static_cast<__bf16>(value)))
        << value;
  }
}

TEST(FloatFormats, Bfloat16WideningIsExact) {
  for (std::uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    float reference = static_cast<float>(std::bit_cast<__bf16>(std::uint16_t(bits)));
    float ours = bfloat16ToFloat(std::uint16_t(bits));
    if (std::isnan(reference))
      EXPECT_TRUE(std::isnan(ours));
    else
      EXPECT_EQ(std::bit_cast<std::uint32_t>(ours), std::bit_cast<std::uint32_t>(reference));
  }
}

} // namespace
} // namespace gpt2c
