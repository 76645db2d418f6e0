#pragma once
// Random weight matrices in each storage format of KERNELS.md, together with the
// exact values they stand for (what the double-precision references use).
#include "KernelTestSupport.h"

#include <string>

namespace gpt2c::test {

// A 2-D matrix stored(a, b) with output channels along `channelDim` and, for int8,
// scales(g, channel) over groups of `groupSize` reduced indices (0: whole channel).
class TestMatrix {
public:
  TestMatrix(const std::string &dtype, int extent0, int extent1, int channelDim, int groupSize,
             Random &random, float range = 1.0f)
      : dtype_(dtype), values_(extent0, extent1) {
    const int reduced = channelDim == 0 ? extent1 : extent0;
    groupSize_ = groupSize == 0 ? reduced : groupSize;
    if (dtype == "f32") {
      f32_ = Buffer<float>(extent0, extent1);
      random.fill(f32_, -range, range);
      values_.for_each_element([&](int a, int b) { values_(a, b) = f32_(a, b); });
    } else if (dtype == "bf16" || dtype == "f16") {
      bits_ = Buffer<std::uint16_t>(extent0, extent1);
      bits_.for_each_element([&](int a, int b) {
        float value = random.uniform(-range, range);
        if (dtype == "f16" && (a + 3 * b) % 16 == 0)
          value *= 1e-4f; // f16 subnormals among them (below 6.1e-5): widened exactly too
        bits_(a, b) = dtype == "bf16" ? bf16Bits(value) : f16Bits(value);
        values_(a, b) = dtype == "bf16" ? bf16Value(bits_(a, b)) : f16Value(bits_(a, b));
      });
    } else {
      q_ = Buffer<std::int8_t>(extent0, extent1);
      const int channels = channelDim == 0 ? extent0 : extent1;
      scales_ = Buffer<float>(reduced / groupSize_, channels);
      scales_.for_each_value([&](float &scale) { scale = random.uniform(0.2f, 1.0f) * range / 127; });
      q_.for_each_element([&](int a, int b) {
        q_(a, b) = static_cast<std::int8_t>(random.integer(-127, 127));
        int channel = channelDim == 0 ? a : b, index = channelDim == 0 ? b : a;
        values_(a, b) = double(q_(a, b)) * double(scales_(index / groupSize_, channel));
      });
    }
  }

  // The stored values and, for int8, the scales, as the kernels take them.
  halide_buffer_t *stored() {
    return dtype_ == "f32" ? f32_.raw_buffer()
           : dtype_ == "int8" ? q_.raw_buffer()
                              : bits_.raw_buffer();
  }
  halide_buffer_t *scales() { return scales_.raw_buffer(); }
  // bf16 or f16 with channels along dimension 0: the same bytes as uint32 column pairs,
  // pairs(a / 2, b) (Weights.h), as the glue passes them to a "pairs" schedule.
  halide_buffer_t *storedAsPairs() {
    pairs_ = Buffer<std::uint32_t>(reinterpret_cast<std::uint32_t *>(bits_.data()),
                                   bits_.dim(0).extent() / 2, bits_.dim(1).extent());
    return pairs_.raw_buffer();
  }

  // bf16 with channels along dimension 0, stored(c, k): the packer's layout kpairs,
  // kpairs(2 c + j, p) = stored(c, 2 p + j) (Weights.h, ReducedPairs).
  halide_buffer_t *storedAsKPairs() {
    const int channels = bits_.dim(0).extent(), reduced = bits_.dim(1).extent();
    kPairs_ = Buffer<std::uint16_t>(2 * channels, reduced / 2);
    kPairs_.for_each_element(
        [&](int e, int p) { kPairs_(e, p) = bits_(e / 2, 2 * p + e % 2); });
    return kPairs_.raw_buffer();
  }

  // The same kpairs bytes as uint32 words, words(c, p) (Weights.h, ReducedPairWords).
  halide_buffer_t *storedAsKPairWords() {
    storedAsKPairs();
    pairs_ = Buffer<std::uint32_t>(reinterpret_cast<std::uint32_t *>(kPairs_.data()),
                                   bits_.dim(0).extent(), bits_.dim(1).extent() / 2);
    return pairs_.raw_buffer();
  }

  // The value element (a, b) stands for.
  double value(int a, int b) const { return values_(a, b); }

private:
  std::string dtype_;
  int groupSize_;
  Buffer<double> values_;
  Buffer<float> f32_, scales_;
  Buffer<std::uint16_t> bits_, kPairs_;
  Buffer<std::uint32_t> pairs_;
  Buffer<std::int8_t> q_;
};

} // namespace gpt2c::test
