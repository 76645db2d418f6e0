#pragma once
// Weight matrices as the packer stores them (KERNELS.md, "Weight storage"):
// f32, bf16 bits, f16 bits or int8 with per-group float32 scales.
#include "Kernels.h"
#include "Spec.h"

#include "Halide.h"

#include <string>
#include <vector>

namespace gpt2c::halide {

// float32 from the 16 bits of a bfloat16 (exact).
Halide::Expr widenBf16(const Halide::Expr &bits);
// float32 from the 16 bits of a finite IEEE half (exact for every finite input,
// subnormals included; packing refuses weights that are not finite).
Halide::Expr widenF16(const Halide::Expr &bits);

// A 2-D weight buffer `values(a, b)` whose output channels lie along `channelDim`
// (0 or 1) and whose reduced (input) index lies along the other dimension.
// Declares the buffers with their compile-time shape: min 0, dense, row-major.
//
// Pairs of 16-bit values (channels along dimension 0; the caller validates the
// spec that asks for them):
// - ColumnPairs (bf16 or f16, even extent0): the kernel reads the same bytes as
//   uint32 words `values(a / 2, b)`, each the 16-bit values of channels a (low half)
//   and a + 1 (high half), widened to float32 in place with no zero-extension across
//   vector lanes: one shift or mask for bf16, three bitwise operations and a
//   multiplication for f16 (finite values only).
// - ReducedPairs (bf16, even extent1; the packer's layout kpairs): the buffer
//   `values(2 a + j, p)` holds element (a, 2 p + j), so the two reduced values of a
//   pair sit side by side, as a bf16 dot-product instruction takes them.
// - ReducedPairWords: the same bytes as uint32 words `values(a, p)`, element
//   (a, 2 p) in the low half and (a, 2 p + 1) in the high half, widened to float32
//   with one shift or mask (kernels with float32 activations).
enum class Pairing { None, ColumnPairs, ReducedPairs, ReducedPairWords };

class PackedMatrix {
public:
  PackedMatrix(const std::string &name, const std::string &scalesName, WeightType type,
               int extent0, int extent1, int channelDim, int groupSize,
               Pairing pairing = Pairing::None);

  WeightType type() const { return type_; }
  bool quantized() const { return type_ == WeightType::Int8; }
  int reducedLength() const { return reduced_; }
  // Output channels: the length of the dimension that is not reduced.
  int channels() const { return channels_; }
  // Reduced values per scale (the whole reduced length when the spec says 0).
  int groupSize() const { return groupSize_; }
  int groups() const { return reduced_ / groupSize_; }

  // The stored element at (a, b) widened to float32, int8 scale not applied.
  Halide::Expr widened(const Halide::Expr &a, const Halide::Expr &b) const;
  bool pairs() const { return pairing_ == Pairing::ColumnPairs; }
  bool reducedPairs() const { return pairing_ == Pairing::ReducedPairs; }
  Pairing pairing() const { return pairing_; }
  // ColumnPairs only: channel 2 * pair + half (half 0 or 1) at reduced index b.
  Halide::Expr widenedHalf(const Halide::Expr &pair, const Halide::Expr &half,
                           const Halide::Expr &b) const;
  // bf16 stored as 16-bit values (not ColumnPairs or ReducedPairWords): the element
  // at (a, b) as a bfloat16 value (no widening). With ReducedPairs,
  // `pairElement(c, j, p)` is channel c's reduced value 2 p + j.
  Halide::Expr bf16(const Halide::Expr &a, const Halide::Expr &b) const;
  Halide::Expr pairElement(const Halide::Expr &channel, const Halide::Expr &j,
                           const Halide::Expr &pair) const;
  // The scale of group g of channel c (int8 only).
  Halide::Expr scale(const Halide::Expr &g, const Halide::Expr &c) const;
  // The value the element stands for: widened, times its group's scale for int8.
  Halide::Expr value(const Halide::Expr &a, const Halide::Expr &b) const;

  // The stored values (what a prefetch reads ahead).
  const Halide::ImageParam &values() const { return values_; }

  // The kernel inputs, in contract order: values, then scales if int8.
  std::vector<KernelInput> inputs() const;

private:
  WeightType type_;
  Pairing pairing_;
  int channelDim_, reduced_, channels_, groupSize_;
  Halide::ImageParam values_, scales_;
};

// Validates an int8 "group_size" against the reduced length and returns it
// (0 stays 0: one group per channel). Non-int8 types must not set a non-zero one.
int readGroupSize(SpecObject &params, WeightType type, int reducedLength,
                  const std::string &key = "group_size");

} // namespace gpt2c::halide
