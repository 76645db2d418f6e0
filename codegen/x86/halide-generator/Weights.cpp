#include "Weights.h"

namespace gpt2c::halide {

using namespace Halide;

Expr widenBf16(const Expr &bits) {
  return reinterpret<float>(cast<uint32_t>(bits) << 16);
}

Expr widenF16(const Expr &bits) {
  // Halide 14 has no fast f16 -> f32 on x86, so rebuild the float32 bit pattern.
  auto u32 = [](uint32_t value) { return Expr(value); };
  Expr h = cast<uint32_t>(bits);
  Expr sign = (h & 0x8000u) << 16;
  Expr exponent = (h >> 10) & 0x1fu;
  Expr mantissa = h & 0x3ffu;
  // Normal: rebias the exponent from 15 to 127 (add 112 << 23) and widen the mantissa.
  Expr normal = ((h & 0x7fffu) << 13) + u32(112u << 23);
  // Infinity and NaN: all-ones exponent, mantissa (NaN payload) kept.
  Expr special = (mantissa << 13) | 0x7f800000u;
  // Zero and subnormal: mantissa * 2^-24, exact in float32.
  Expr small = reinterpret<uint32_t>(cast<float>(mantissa) * (1.0f / 16777216.0f));
  Expr magnitude = select(exponent == u32(0), small, exponent == u32(31), special, normal);
  return reinterpret<float>(magnitude | sign);
}

namespace {

Type storageType(WeightType type) {
  switch (type) {
  case WeightType::F32:
    return Float(32);
  case WeightType::BF16:
  case WeightType::F16:
    return UInt(16);
  case WeightType::Int8:
    return Int(8);
  }
  return Float(32);
}

// min 0, the given extents, dense row-major strides.
void requireDense2D(OutputImageParam buffer, int extent0, int extent1) {
  buffer.dim(0).set_min(0).set_extent(extent0).set_stride(1);
  buffer.dim(1).set_min(0).set_extent(extent1).set_stride(extent0);
}

} // namespace

PackedMatrix::PackedMatrix(const std::string &name, const std::string &scalesName,
                           WeightType type, int extent0, int extent1, int channelDim,
                           int groupSize)
    : type_(type), channelDim_(channelDim), reduced_(channelDim == 0 ? extent1 : extent0),
      groupSize_(groupSize == 0 ? reduced_ : groupSize),
      values_(storageType(type), 2, name) {
  requireDense2D(values_, extent0, extent1);
  if (quantized()) {
    scales_ = ImageParam(Float(32), 2, scalesName);
    int channels = channelDim == 0 ? extent0 : extent1;
    requireDense2D(scales_, groups(), channels);
  }
}

Expr PackedMatrix::widened(const Expr &a, const Expr &b) const {
  Expr stored = values_(a, b);
  switch (type_) {
  case WeightType::F32:
    return stored;
  case WeightType::BF16:
    return widenBf16(stored);
  case WeightType::F16:
    return widenF16(stored);
  case WeightType::Int8:
    return cast<float>(stored);
  }
  return stored;
}

Expr PackedMatrix::scale(const Expr &g, const Expr &c) const { return scales_(g, c); }

Expr PackedMatrix::value(const Expr &a, const Expr &b) const {
  if (!quantized())
    return widened(a, b);
  Expr channel = channelDim_ == 0 ? a : b;
  Expr reduced = channelDim_ == 0 ? b : a;
  return widened(a, b) * scale(reduced / groupSize_, channel);
}

std::vector<KernelInput> PackedMatrix::inputs() const {
  std::vector<KernelInput> result{values_};
  if (quantized())
    result.push_back(scales_);
  return result;
}

int readGroupSize(SpecObject &params, WeightType type, int reducedLength,
                  const std::string &key) {
  if (type != WeightType::Int8) {
    if (params.optionalInt(key, 0) != 0)
      params.fail(key, "applies only to int8 weights and must be 0 otherwise");
    return 0;
  }
  std::int64_t groupSize = params.requireInt(key);
  if (groupSize < 0 || groupSize > reducedLength ||
      (groupSize > 0 && reducedLength % groupSize != 0))
    params.fail(key, "must be 0 or divide the reduced length " + std::to_string(reducedLength) +
                         ", got " + std::to_string(groupSize));
  return static_cast<int>(groupSize);
}

} // namespace gpt2c::halide
