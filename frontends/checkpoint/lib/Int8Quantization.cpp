#include "gpt2c/checkpoint/Int8Quantization.h"

#include "gpt2c/support/Error.h"

#include <algorithm>
#include <cmath>

namespace gpt2c {
namespace {

constexpr float kInt8Limit = 127.0f;

// Index into Int8Matrix::scales of the group that element (row, col) belongs to.
std::int64_t groupIndex(const Int8Matrix &matrix, std::int64_t row, std::int64_t col) {
  std::int64_t channel = matrix.axis == 0 ? row : col;
  std::int64_t position = matrix.axis == 0 ? col : row; // along the reduced axis
  std::int64_t group = matrix.groupSize == 0 ? 0 : position / matrix.groupSize;
  return channel * matrix.groupsPerChannel() + group;
}

} // namespace

float Int8Matrix::scaleAt(std::int64_t row, std::int64_t col) const {
  return scales[std::size_t(groupIndex(*this, row, col))];
}

float int8Scale(std::span<const float> group) {
  float maxAbs = 0.0f;
  for (float value : group)
    maxAbs = std::max(maxAbs, std::abs(value));
  return maxAbs / kInt8Limit;
}

std::int8_t quantizeToInt8(float value, float scale) {
  if (scale == 0.0f)
    return 0;
  // std::round (ties away from zero) does not depend on the floating-point
  // environment's rounding mode, so every producer rounds alike.
  float rounded = std::round(value / scale);
  return std::int8_t(std::clamp(rounded, -kInt8Limit, kInt8Limit));
}

Int8Matrix quantizeInt8(std::span<const float> values, std::int64_t rows, std::int64_t cols,
                        std::int64_t axis, std::int64_t groupSize) {
  if (rows < 0 || cols < 0 || std::int64_t(values.size()) != rows * cols)
    fail("int8 quantization: {} values do not form a [{}, {}] matrix", values.size(), rows, cols);
  if (axis != 0 && axis != 1)
    fail("int8 quantization: the channel axis must be 0 or 1, got {}", axis);
  Int8Matrix matrix;
  matrix.rows = rows;
  matrix.cols = cols;
  matrix.axis = axis;
  matrix.groupSize = groupSize;
  if (groupSize < 0)
    fail("int8 quantization: the group size must not be negative, got {}", groupSize);
  if (groupSize != 0 && matrix.reducedLength() % groupSize != 0)
    fail("int8 quantization: group size {} does not divide the {} values of each channel",
         groupSize, matrix.reducedLength());

  // First pass: max|w| per group, in row-major order to read `values` once.
  std::vector<float> maxAbs(std::size_t(matrix.channels() * matrix.groupsPerChannel()), 0.0f);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      float value = values[std::size_t(r * cols + c)];
      if (!std::isfinite(value))
        fail("int8 quantization: element [{}, {}] is not finite ({})", r, c, value);
      float &groupMax = maxAbs[std::size_t(groupIndex(matrix, r, c))];
      groupMax = std::max(groupMax, std::abs(value));
    }
  matrix.scales.resize(maxAbs.size());
  std::transform(maxAbs.begin(), maxAbs.end(), matrix.scales.begin(),
                 [](float m) { return m / kInt8Limit; });

  matrix.values.resize(values.size());
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) {
      std::size_t i = std::size_t(r * cols + c);
      matrix.values[i] = quantizeToInt8(values[i], matrix.scaleAt(r, c));
    }
  return matrix;
}

std::vector<float> dequantize(const Int8Matrix &matrix) {
  std::vector<float> out(matrix.values.size());
  for (std::int64_t r = 0; r < matrix.rows; ++r)
    for (std::int64_t c = 0; c < matrix.cols; ++c) {
      std::size_t i = std::size_t(r * matrix.cols + c);
      out[i] = float(matrix.values[i]) * matrix.scaleAt(r, c);
    }
  return out;
}

} // namespace gpt2c
