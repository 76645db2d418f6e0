#pragma once
// Helpers for the Halide kernel tests: random buffers, views with padded strides,
// the weight encodings of KERNELS.md with independent decoders, and comparison.
//
// Tolerances. A kernel sums in float32 and the reference in double, from the same
// (exactly widened) inputs, so the only differences are float32 rounding: at most
// about K * 2^-24 of the summed magnitudes for a K-term sum, typically sqrt(K) *
// 2^-24. Each check allows 1e-5 of `magnitude`, the sum of the absolute values of
// the terms (plus the absolute values of anything added after), which bounds the
// error for K up to ~160 worst case and far beyond that in practice.
#include "HalideBuffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace gpt2c::test {

using Halide::Runtime::Buffer;

inline constexpr double kRelativeTolerance = 1e-5;

// Kernels with int8 activations ("activations": "int8") quantise each group of
// `group` values of a row as float32 arithmetic does: q = round(x * (127 / max|x|))
// (to even), standing for q * max|x| / 127. `values` gets the values the kernel
// multiplies, `steps` the size of one quantisation step per value (a row computed
// in double may round a value near a tie the other way: one step of slack).
// Group 0 leaves the row as it is, with steps of 0.
struct QuantisedRow {
  std::vector<double> values, steps;
};
inline QuantisedRow quantiseActivations(const std::vector<double> &row, int group) {
  QuantisedRow result{row, std::vector<double>(row.size(), 0.0)};
  if (group == 0)
    return result;
  for (std::size_t start = 0; start < row.size(); start += std::size_t(group)) {
    float largest = 0;
    for (std::size_t k = start; k < start + std::size_t(group); ++k)
      largest = std::max(largest, std::fabs(float(row[k])));
    float inverse = largest > 0 ? 127.0f / largest : 0.0f;
    for (std::size_t k = start; k < start + std::size_t(group); ++k) {
      float q = std::clamp(std::nearbyint(float(row[k]) * inverse), -127.0f, 127.0f);
      result.values[k] = double(q) * (double(largest) / 127.0);
      result.steps[k] = double(largest) / 127.0;
    }
  }
  return result;
}

// A dense buffer with the given extents (dimension 0 innermost), zero-filled.
template <typename T> Buffer<T> denseBuffer(std::vector<int> extents) {
  Buffer<T> buffer(extents);
  buffer.fill(T(0));
  return buffer;
}

// A view of `extents` at the origin of a larger allocation padded by `padding`
// elements in every dimension, so that a kernel must honour strides; the padding
// holds `sentinel`, which a kernel writing the view must leave alone.
template <typename T> struct PaddedBuffer {
  Buffer<T> storage, view;
  T sentinel;

  PaddedBuffer(std::vector<int> extents, int padding, T sentinel = T(0)) : sentinel(sentinel) {
    std::vector<int> padded = extents;
    for (int &extent : padded)
      extent += padding;
    storage = Buffer<T>(padded);
    storage.fill(sentinel);
    view = storage;
    for (std::size_t d = 0; d < extents.size(); ++d)
      view.crop(static_cast<int>(d), 0, extents[d]);
  }

  // Elements outside the view that no longer hold the sentinel.
  int paddingWritten() const {
    int written = 0;
    storage.for_each_element([&](const int *position) {
      bool inside = true;
      for (int d = 0; d < view.dimensions(); ++d)
        inside = inside && position[d] < view.dim(d).extent();
      if (!inside && std::memcmp(&storage(position), &sentinel, sizeof(T)) != 0)
        ++written;
    });
    return written;
  }
};

class Random {
public:
  explicit Random(std::uint32_t seed) : engine_(seed) {}
  float uniform(float low, float high) {
    return std::uniform_real_distribution<float>(low, high)(engine_);
  }
  int integer(int low, int high) { return std::uniform_int_distribution<int>(low, high)(engine_); }
  template <typename T> void fill(Buffer<T> &buffer, float low, float high) {
    buffer.for_each_value([&](T &value) { value = T(uniform(low, high)); });
  }

private:
  std::mt19937 engine_;
};

// --- weight encodings ----------------------------------------------------------

// bfloat16 bits of a float, rounded to nearest even (inputs are finite).
inline std::uint16_t bf16Bits(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, 4);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}

// The float a bfloat16 stands for: its bits are the top half of a float32.
inline double bf16Value(std::uint16_t bits) {
  std::uint32_t wide = std::uint32_t(bits) << 16;
  float value;
  std::memcpy(&value, &wide, 4);
  return value;
}

// Kernels with bf16 activations ("activations": "bf16") round each value of a row
// to bfloat16 (to nearest even) and multiply that; `steps` is one bf16 step at the
// value (a row computed in double may round a value near a tie the other way).
inline QuantisedRow roundActivationsToBf16(const std::vector<double> &row) {
  QuantisedRow result{row, std::vector<double>(row.size(), 0.0)};
  for (std::size_t k = 0; k < row.size(); ++k) {
    result.values[k] = bf16Value(bf16Bits(float(row[k])));
    result.steps[k] = std::fabs(row[k]) / 128.0;
  }
  return result;
}

// The value an IEEE half stands for, from its fields (not from float bit tricks).
inline double f16Value(std::uint16_t bits) {
  const int sign = bits >> 15, exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
  double magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(double(mantissa), -24);
  else if (exponent == 31)
    magnitude = mantissa == 0 ? INFINITY : NAN;
  else
    magnitude = std::ldexp(double(1024 + mantissa), exponent - 25);
  return sign ? -magnitude : magnitude;
}

// Half bits of a float in [-65504, 65504], truncated toward zero (any half will do
// as test data; the tests use the exact value f16Value of what they store).
inline std::uint16_t f16Bits(float value) {
  std::uint16_t sign = std::signbit(value) ? 0x8000 : 0;
  double magnitude = std::fabs(double(value));
  if (magnitude < std::ldexp(1.0, -14))
    return sign | static_cast<std::uint16_t>(magnitude * std::ldexp(1.0, 24));
  int exponent;
  double fraction = std::frexp(magnitude, &exponent); // magnitude = fraction * 2^exponent
  int mantissa = static_cast<int>((fraction * 2.0 - 1.0) * 1024.0);
  return sign | static_cast<std::uint16_t>(((exponent + 14) << 10) | mantissa);
}

// --- comparison ----------------------------------------------------------------

// Expects |got - expected| <= kRelativeTolerance * magnitude (see the top).
#define EXPECT_WITHIN_TOLERANCE(got, expected, magnitude, where)                             \
  EXPECT_LE(std::fabs(double(got) - double(expected)),                                       \
            kRelativeTolerance * (double(magnitude) + 1e-30))                                \
      << (where) << ": got " << (got) << ", expected " << (expected)

} // namespace gpt2c::test
