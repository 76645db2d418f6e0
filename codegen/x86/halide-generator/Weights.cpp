#include "Weights.h"

namespace gpt2c::halide {

using namespace Halide;

Expr widenBf16(const Expr &bits) {
  return reinterpret<float>(cast<uint32_t>(bits) << 16);
}

namespace {

// The float32 of a finite half whose exponent and mantissa sit in bits 27..13 of
// `magnitudeBits` (the rest zero) and whose sign is bit 31 of `signBits`. So
// placed, a half's magnitude reads as the right value times 2^-112 for normals and
// subnormals alike (the subnormals land on float32 subnormals), and one
// multiplication finishes both. Packing refuses weights that are not finite
// (WeightPacking.cpp), so infinities and NaNs get no case of their own (that
// select cost the LM head a fifth). The sign goes on after the multiplication: with
// the multiplication last, LLVM's fast-math reassociation multiplied the
// activations by the 2^-112-scaled values first, and those often subnormal products
// made f16 decode 2.7x slower.
Expr scaledHalf(const Expr &magnitudeBits, const Expr &signBits) {
  Expr magnitude = reinterpret<float>(magnitudeBits) * 5.192296858534828e33f; // 2^112
  return reinterpret<float>(reinterpret<uint32_t>(magnitude) | (signBits & Expr(0x80000000u)));
}

} // namespace

Expr widenF16(const Expr &bits) {
  // Halide 14 has no fast f16 -> f32 on x86: rebuilt from the bits.
  Expr h = cast<uint32_t>(bits);
  return scaledHalf((h & 0x7fffu) << 13, h << 16);
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
                           int groupSize, Pairing pairing)
    : type_(type), pairing_(pairing), channelDim_(channelDim),
      reduced_(channelDim == 0 ? extent1 : extent0), channels_(channelDim == 0 ? extent0 : extent1),
      groupSize_(groupSize == 0 ? reduced_ : groupSize),
      values_(pairs() || pairing == Pairing::ReducedPairWords ? UInt(32) : storageType(type), 2,
              name) {
  if (pairs())
    requireDense2D(values_, extent0 / 2, extent1);
  else if (reducedPairs())
    requireDense2D(values_, 2 * extent0, extent1 / 2);
  else if (pairing == Pairing::ReducedPairWords)
    requireDense2D(values_, extent0, extent1 / 2);
  else
    requireDense2D(values_, extent0, extent1);
  if (quantized()) {
    scales_ = ImageParam(Float(32), 2, scalesName);
    requireDense2D(scales_, groups(), channels_);
  }
}

Expr PackedMatrix::widenedHalf(const Expr &pair, const Expr &half, const Expr &b) const {
  Expr word = values_(pair, b);
  // A constant half (an unrolled loop) leaves one of the two selects' branches.
  if (type_ == WeightType::BF16)
    return reinterpret<float>(select(half == 0, word << 16, word & Expr(0xffff0000u)));
  // f16: the half in the word's top 16 bits, its exponent and mantissa moved down 3.
  Expr top = select(half == 0, word << 16, word);
  return scaledHalf((top >> 3) & Expr(0x0fffe000u), top);
}

Expr PackedMatrix::bf16(const Expr &a, const Expr &b) const {
  if (reducedPairs())
    return pairElement(a, b % 2, b / 2);
  return reinterpret(BFloat(16), values_(a, b));
}

Expr PackedMatrix::pairElement(const Expr &channel, const Expr &j, const Expr &pair) const {
  return reinterpret(BFloat(16), values_(2 * channel + j, pair));
}

Expr PackedMatrix::widened(const Expr &a, const Expr &b) const {
  if (pairs())
    return widenedHalf(a / 2, a % 2, b);
  if (reducedPairs())
    return cast<float>(bf16(a, b));
  if (pairing_ == Pairing::ReducedPairWords) {
    // An unrolled, pair-aligned loop makes b % 2 a constant: one of the two branches.
    Expr word = values_(a, b / 2);
    return reinterpret<float>(select(b % 2 == 0, word << 16, word & Expr(0xffff0000u)));
  }
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
