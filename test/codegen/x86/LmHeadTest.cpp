// lm_head: logits(v, m) = sum_e x(e, m) weight(e, v) over a vocabulary that is not a
// multiple of any tile, for f32, int8 with groups and bf16 (gemm, and dot products of
// rows rounded to bf16), with a padded
// input view and output view.
#include "KernelTestSupport.h"
#include "TestWeights.h"

#include "kernels.h"

#include <functional>

namespace gpt2c::test {
namespace {

constexpr int kEmbd = 64, kVocab = 500;

struct LmHeadCase {
  const char *name, *dtype;
  int groupSize;
  std::function<int(halide_buffer_t *, TestMatrix &, halide_buffer_t *)> run;
  int activationGroup = 0; // activations int8 in groups of this many values (0: float32)
  bool bf16Activations = false; // the kernel rounds its rows to bf16
};

class LmHeadTest : public ::testing::TestWithParam<LmHeadCase> {};

TEST_P(LmHeadTest, MatchesReference) {
  const LmHeadCase &c = GetParam();
  Random random(99);
  TestMatrix weight(c.dtype, kEmbd, kVocab, 1, c.groupSize, random);
  for (int rows : {1, 3, 9}) {
    PaddedBuffer<float> x({kEmbd, rows}, 5), logits({kVocab, rows}, 3, 1e30f);
    random.fill(x.view, -1.0f, 1.0f);
    ASSERT_EQ(c.run(x.view.raw_buffer(), weight, logits.view.raw_buffer()), 0);
    EXPECT_EQ(logits.paddingWritten(), 0);
    for (int m = 0; m < rows; ++m) {
      std::vector<double> row(kEmbd);
      for (int e = 0; e < kEmbd; ++e)
        row[e] = x.view(e, m);
      // The rows are float32 already: rounding them to bf16 here is exact.
      QuantisedRow quantised = c.bf16Activations ? roundActivationsToBf16(row)
                                                 : quantiseActivations(row, c.activationGroup);
      for (int v = 0; v < kVocab; ++v) {
        double sum = 0, magnitude = 0;
        for (int e = 0; e < kEmbd; ++e) {
          sum += quantised.values[e] * weight.value(e, v);
          magnitude += std::fabs(quantised.values[e] * weight.value(e, v));
        }
        EXPECT_WITHIN_TOLERANCE(logits.view(v, m), sum, magnitude,
                                "row " + std::to_string(m) + ", token " + std::to_string(v));
      }
    }
  }
}

const LmHeadCase kCases[] = {
    {"f32", "f32", 0,
     [](halide_buffer_t *x, TestMatrix &w, halide_buffer_t *out) {
       return lm_head_f32(x, w.stored(), out);
     }},
    {"int8", "int8", 16,
     [](halide_buffer_t *x, TestMatrix &w, halide_buffer_t *out) {
       return lm_head_int8(x, w.stored(), w.scales(), out);
     }},
    {"int8_vnni", "int8", 0,
     [](halide_buffer_t *x, TestMatrix &w, halide_buffer_t *out) {
       return lm_head_int8_vnni(x, w.stored(), w.scales(), out);
     },
     64},
    {"bf16_dots", "bf16", 0,
     [](halide_buffer_t *x, TestMatrix &w, halide_buffer_t *out) {
       return lm_head_bf16_dots(x, w.stored(), out);
     },
     0, true},
    {"gemm_bf16", "bf16", 0,
     [](halide_buffer_t *x, TestMatrix &w, halide_buffer_t *out) {
       return lm_head_gemm_bf16(x, w.stored(), out);
     }},
};

INSTANTIATE_TEST_SUITE_P(Kernels, LmHeadTest, ::testing::ValuesIn(kCases),
                         [](const auto &info) { return std::string(info.param.name); });

} // namespace
} // namespace gpt2c::test
