// The int8 weight recipe (gpt2c/checkpoint/Int8Quantization.h) on matrices whose
// scales and codes are worked out by hand: scales are chosen as powers of two
// times 127 so that max|w| / 127 and w / scale are exact in float32.
#include "gpt2c/checkpoint/Int8Quantization.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace gpt2c {
namespace {

std::vector<std::int8_t> codes(std::initializer_list<int> values) {
  return std::vector<std::int8_t>(values.begin(), values.end());
}

TEST(Int8Quantization, ScaleIsMaxAbsOver127) {
  const float group[] = {3.0f, -254.0f, 100.0f};
  EXPECT_EQ(int8Scale(group), 2.0f);
  const float zeros[] = {0.0f, -0.0f};
  EXPECT_EQ(int8Scale(zeros), 0.0f);
  EXPECT_EQ(int8Scale({}), 0.0f);
}

TEST(Int8Quantization, RoundsToNearestWithTiesAwayFromZero) {
  EXPECT_EQ(quantizeToInt8(50.4f, 1.0f), 50);
  EXPECT_EQ(quantizeToInt8(50.6f, 1.0f), 51);
  EXPECT_EQ(quantizeToInt8(3.5f, 1.0f), 4);
  EXPECT_EQ(quantizeToInt8(-3.5f, 1.0f), -4);
  EXPECT_EQ(quantizeToInt8(-0.5f, 2.0f), 0);  // -0.25
  EXPECT_EQ(quantizeToInt8(-1.0f, 2.0f), -1); // -0.5, a tie
}

TEST(Int8Quantization, ClampsToSymmetricRange) {
  EXPECT_EQ(quantizeToInt8(1000.0f, 1.0f), 127);
  EXPECT_EQ(quantizeToInt8(-1000.0f, 1.0f), -127);
  EXPECT_EQ(quantizeToInt8(127.4f, 1.0f), 127);
  // -127.5 rounds to -128, which the symmetric range excludes.
  EXPECT_EQ(quantizeToInt8(-127.5f, 1.0f), -127);
  EXPECT_EQ(quantizeToInt8(std::numeric_limits<float>::max(), 1e-30f), 127);
  EXPECT_EQ(quantizeToInt8(5.0f, 0.0f), 0); // an all-zero group's scale
}

// Output channels are columns (linear weights [K, N]); one scale per column.
TEST(Int8Quantization, PerColumnChannels) {
  // column 0 = {127, -50.4, 3.5}: scale 1; column 1 = {-254, 100.9, -1}: scale 2.
  const std::vector<float> w = {127.0f, -254.0f,  //
                                -50.4f, 100.9f,   //
                                3.5f,   -1.0f};
  Int8Matrix m = quantizeInt8(w, 3, 2, /*axis=*/1, /*groupSize=*/0);
  EXPECT_EQ(m.channels(), 2);
  EXPECT_EQ(m.groupsPerChannel(), 1);
  EXPECT_EQ(m.scales, (std::vector<float>{1.0f, 2.0f}));
  // 100.9 / 2 = 50.45 -> 50; -1 / 2 = -0.5 -> -1 (tie away from zero).
  EXPECT_EQ(m.values, codes({127, -127, -50, 50, 4, -1}));
  EXPECT_EQ(dequantize(m), (std::vector<float>{127, -254, -50, 100, 4, -2}));
}

// Output channels are rows (embeddings [V, E], LM head); an all-zero row has scale 0.
TEST(Int8Quantization, PerRowChannelsWithAllZeroRow) {
  const std::vector<float> w = {127.0f, 0.4f, -0.6f,  //
                                0.0f,   0.0f, 0.0f,   //
                                -63.5f, 31.75f, 1.0f};
  Int8Matrix m = quantizeInt8(w, 3, 3, /*axis=*/0, /*groupSize=*/0);
  EXPECT_EQ(m.scales, (std::vector<float>{1.0f, 0.0f, 0.5f}));
  EXPECT_EQ(m.values, codes({127, 0, -1, 0, 0, 0, -127, 64, 2}));
  EXPECT_EQ(dequantize(m), (std::vector<float>{127, 0, -1, 0, 0, 0, -63.5f, 32, 1}));
}

// Groups of 2 along the reduced axis (rows, for axis 1); scales are channel-major.
TEST(Int8Quantization, GroupsAlongInputDimension) {
  // Column 0: group {31.75, -10} has scale 0.25, group {254, 127} scale 2.
  // Column 1: group {0, 0} is all zero, group {-1.27, 0.5} scale 0.01.
  const std::vector<float> w = {31.75f, 0.0f,    //
                                -10.0f, 0.0f,    //
                                254.0f, -1.27f,  //
                                127.0f, 0.5f};
  Int8Matrix m = quantizeInt8(w, 4, 2, /*axis=*/1, /*groupSize=*/2);
  EXPECT_EQ(m.groupsPerChannel(), 2);
  ASSERT_EQ(m.scales.size(), 4u);
  EXPECT_EQ(m.scales[0], 0.25f);
  EXPECT_EQ(m.scales[1], 2.0f);
  EXPECT_EQ(m.scales[2], 0.0f);
  EXPECT_FLOAT_EQ(m.scales[3], 0.01f);
  EXPECT_EQ(m.scaleAt(1, 0), 0.25f);
  EXPECT_EQ(m.scaleAt(2, 0), 2.0f);
  EXPECT_EQ(m.scaleAt(0, 1), 0.0f);
  // -10 / 0.25 = -40; 127 / 2 = 63.5 -> 64; 0.5 / 0.01 = 50.
  EXPECT_EQ(m.values, codes({127, 0, -40, 0, 127, -127, 64, 50}));
}

// The same grouping along columns when channels are rows.
TEST(Int8Quantization, GroupsAlongRowsForRowChannels) {
  const std::vector<float> w = {31.75f, -10.0f, 254.0f, 127.0f};
  Int8Matrix m = quantizeInt8(w, 1, 4, /*axis=*/0, /*groupSize=*/2);
  EXPECT_EQ(m.scales, (std::vector<float>{0.25f, 2.0f}));
  EXPECT_EQ(m.values, codes({127, -40, 127, 64}));
  EXPECT_EQ(dequantize(m), (std::vector<float>{31.75f, -10.0f, 254.0f, 128.0f}));
}

// On random data with outliers: every value comes back within half a step of
// its group, every code is in [-127, 127], and each group's extreme maps to +-127.
TEST(Int8Quantization, RoundTripErrorIsAtMostHalfAScale) {
  std::mt19937 random(7);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  const std::int64_t rows = 96, cols = 40;
  std::vector<float> w(rows * cols);
  for (float &value : w)
    value = normal(random);
  w[5 * cols + 3] = 3.0f; // outliers, as in real checkpoints
  w[70 * cols + 11] = -2.5f;
  for (std::int64_t axis : {0, 1})
    for (std::int64_t group : {0, 8, 24}) {
      if (group && (axis == 0 ? cols : rows) % group)
        continue;
      Int8Matrix m = quantizeInt8(w, rows, cols, axis, group);
      std::vector<float> back = dequantize(m);
      std::vector<int> maxCode(m.scales.size(), 0);
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) {
          std::size_t i = std::size_t(r * cols + c);
          float scale = m.scaleAt(r, c);
          // w / scale and q * scale each round once in float32: allow a few ulps.
          EXPECT_LE(std::abs(w[i] - back[i]), 0.5f * scale * (1.0f + 1e-5f))
              << "axis " << axis << " group " << group << " at [" << r << ", " << c << "]";
          EXPECT_GE(m.values[i], -127);
          std::int64_t channel = axis == 0 ? r : c, along = axis == 0 ? c : r;
          std::size_t g = std::size_t(channel * m.groupsPerChannel() + (group ? along / group : 0));
          maxCode[g] = std::max(maxCode[g], std::abs(int(m.values[i])));
        }
      for (int code : maxCode)
        EXPECT_EQ(code, 127) << "axis " << axis << " group " << group;
    }
}

TEST(Int8Quantization, RejectsInvalidArguments) {
  const std::vector<float> w(12, 1.0f);
  EXPECT_THROW(quantizeInt8(w, 5, 2, 1, 0), Error);  // 12 values are not [5, 2]
  EXPECT_THROW(quantizeInt8(w, 4, 3, 2, 0), Error);  // axis
  EXPECT_THROW(quantizeInt8(w, 4, 3, 1, -1), Error); // negative group
  EXPECT_THROW(quantizeInt8(w, 4, 3, 1, 3), Error);  // 3 does not divide the 4 rows
  EXPECT_NO_THROW(quantizeInt8(w, 4, 3, 0, 3));      // ... but divides the 3 columns
  std::vector<float> nan = w;
  nan[7] = std::nanf("");
  EXPECT_THROW(quantizeInt8(nan, 4, 3, 1, 0), Error);
}

} // namespace
} // namespace gpt2c
