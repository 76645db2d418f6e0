#pragma once
// The int8 weight recipe of `#gpt2.int8<axis = A, group_size = G>`, in plain C++
// so that the interpreter, the code generators and the runtime's weight packing
// all produce bit-identical values.
//
// A [rows, cols] matrix has its output channels along `axis` (1: columns, as in
// GPT-2's [in, out] linear weights; 0: rows, as in the [V, E] embeddings that the
// tied LM head reads). Each channel's values along the other ("reduced") axis are
// split into groups of G consecutive values (G = 0: one group per channel). A
// group's scale is max|w| / 127 in float32; each value is stored as
//   q = clamp(round(w / scale), -127, 127)   (round: to nearest, ties away from 0)
// and stands for q * scale. An all-zero group has scale 0 and q = 0.
#include <cstdint>
#include <span>
#include <vector>

namespace gpt2c {

struct Int8Matrix {
  std::int64_t rows = 0, cols = 0;
  std::int64_t axis = 1;      // output-channel axis: 0 (rows) or 1 (columns)
  std::int64_t groupSize = 0; // values per scale along the reduced axis; 0: whole channel
  // q, row-major [rows, cols]: the layout of the float matrix it replaces.
  std::vector<std::int8_t> values;
  // Channel-major [channels, groupsPerChannel]: the scale of group g of channel c
  // is scales[c * groupsPerChannel() + g].
  std::vector<float> scales;

  std::int64_t channels() const { return axis == 0 ? rows : cols; }
  std::int64_t reducedLength() const { return axis == 0 ? cols : rows; }
  std::int64_t groupsPerChannel() const {
    return groupSize == 0 ? 1 : reducedLength() / groupSize;
  }
  // The scale that applies to element (row, col).
  float scaleAt(std::int64_t row, std::int64_t col) const;
};

// The scale of one group: max|w| / 127 (0 for an all-zero group).
float int8Scale(std::span<const float> group);
// One value under `scale`: round to nearest (ties away from zero), clamped to
// [-127, 127]; 0 when the scale is 0.
std::int8_t quantizeToInt8(float value, float scale);

// Quantizes the row-major [rows, cols] `values`. Throws gpt2c::Error when the
// sizes disagree, the axis is not 0 or 1, the group size is negative or does not
// divide the reduced length, or a value is not finite.
Int8Matrix quantizeInt8(std::span<const float> values, std::int64_t rows, std::int64_t cols,
                        std::int64_t axis, std::int64_t groupSize);

// q * scale for every element, row-major [rows, cols].
std::vector<float> dequantize(const Int8Matrix &matrix);

} // namespace gpt2c
