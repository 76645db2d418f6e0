// embed: out(e, t, b) = wte(e, ids(t, b)) + wpe(e, past + t) for mixed storage types,
// into a padded output view; and every bf16 bit pattern and every finite f16 one
// widened exactly (zeros and subnormals included; bf16 infinities and NaNs too).
#include "KernelTestSupport.h"
#include "TestWeights.h"

#include "kernels.h"

#include <functional>

namespace gpt2c::test {
namespace {

constexpr int kEmbd = 64, kVocab = 500, kPositions = 32;

struct EmbedCase {
  const char *name, *wteType, *wpeType;
  int groupSize;
  std::function<int(halide_buffer_t *, TestMatrix &, TestMatrix &, int, halide_buffer_t *)> run;
};

class EmbedTest : public ::testing::TestWithParam<EmbedCase> {};

TEST_P(EmbedTest, AddsTokenAndPositionRows) {
  const EmbedCase &c = GetParam();
  Random random(7);
  TestMatrix wte(c.wteType, kEmbd, kVocab, 1, c.groupSize, random);
  TestMatrix wpe(c.wpeType, kEmbd, kPositions, 1, c.groupSize, random);
  const int batch = 2, tokens = 5, past = 3;
  Buffer<int32_t> ids(tokens, batch);
  ids.for_each_value([&](int32_t &id) { id = random.integer(0, kVocab - 1); });
  ids(0, 0) = 0;
  ids(1, 0) = kVocab - 1;
  PaddedBuffer<float> out({kEmbd, tokens, batch}, 2, -3.0f);
  ASSERT_EQ(c.run(ids.raw_buffer(), wte, wpe, past, out.view.raw_buffer()), 0);
  EXPECT_EQ(out.paddingWritten(), 0);
  for (int b = 0; b < batch; ++b)
    for (int t = 0; t < tokens; ++t)
      for (int e = 0; e < kEmbd; ++e) {
        double expected = wte.value(e, ids(t, b)) + wpe.value(e, past + t);
        double magnitude = std::fabs(wte.value(e, ids(t, b))) + std::fabs(wpe.value(e, past + t));
        EXPECT_WITHIN_TOLERANCE(out.view(e, t, b), expected, magnitude,
                                "token " + std::to_string(t) + " of sequence " +
                                    std::to_string(b) + ", element " + std::to_string(e));
      }
}

TEST_P(EmbedTest, ClampsOutOfRangeIds) {
  const EmbedCase &c = GetParam();
  Random random(8);
  TestMatrix wte(c.wteType, kEmbd, kVocab, 1, c.groupSize, random);
  TestMatrix wpe(c.wpeType, kEmbd, kPositions, 1, c.groupSize, random);
  Buffer<int32_t> ids(2, 1);
  ids(0, 0) = -4;
  ids(1, 0) = kVocab + 10;
  Buffer<float> out(kEmbd, 2, 1);
  ASSERT_EQ(c.run(ids.raw_buffer(), wte, wpe, 0, out.raw_buffer()), 0);
  for (int e = 0; e < kEmbd; ++e) {
    EXPECT_NEAR(out(e, 0, 0), wte.value(e, 0) + wpe.value(e, 0), 1e-6);
    EXPECT_NEAR(out(e, 1, 0), wte.value(e, kVocab - 1) + wpe.value(e, 1), 1e-6);
  }
}

const EmbedCase kCases[] = {
    {"f32", "f32", "f32", 0,
     [](halide_buffer_t *ids, TestMatrix &wte, TestMatrix &wpe, int past, halide_buffer_t *out) {
       return embed_f32(ids, wte.stored(), wpe.stored(), past, out);
     }},
    {"int8_bf16", "int8", "bf16", 16,
     [](halide_buffer_t *ids, TestMatrix &wte, TestMatrix &wpe, int past, halide_buffer_t *out) {
       return embed_int8(ids, wte.stored(), wte.scales(), wpe.stored(), past, out);
     }},
    {"f16_int8_whole_rows", "f16", "int8", 0,
     [](halide_buffer_t *ids, TestMatrix &wte, TestMatrix &wpe, int past, halide_buffer_t *out) {
       return embed_int8_whole_rows(ids, wte.stored(), wpe.stored(), wpe.scales(), past, out);
     }},
};

INSTANTIATE_TEST_SUITE_P(Kernels, EmbedTest, ::testing::ValuesIn(kCases),
                         [](const auto &info) { return std::string(info.param.name); });

// A 1024 x 64 table holding every 16-bit pattern once, looked up by 16 sequences of
// 64 tokens with a zero position table: the output is each widened value. f16
// widening is exact for finite values only (packing refuses the others), so the
// f16 check skips the all-ones exponent.
template <typename Kernel>
void expectEveryPatternWidened(Kernel kernel, double (*reference)(std::uint16_t),
                               bool finiteOnly = false) {
  Buffer<std::uint16_t> table(64, 1024);
  table.for_each_element([&](int e, int v) { table(e, v) = static_cast<std::uint16_t>(v * 64 + e); });
  Buffer<float> positions(64, 64);
  positions.fill(0.0f);
  Buffer<int32_t> ids(64, 16);
  ids.for_each_element([&](int t, int b) { ids(t, b) = b * 64 + t; });
  Buffer<float> out(64, 64, 16);
  ASSERT_EQ(kernel(ids.raw_buffer(), table.raw_buffer(), positions.raw_buffer(), 0,
                   out.raw_buffer()),
            0);
  int mismatches = 0;
  out.for_each_element([&](int e, int t, int b) {
    std::uint16_t bits = static_cast<std::uint16_t>((b * 64 + t) * 64 + e);
    double expected = reference(bits);
    if (finiteOnly && !std::isfinite(expected))
      return;
    bool same = std::isnan(expected) ? std::isnan(out(e, t, b)) : out(e, t, b) == expected;
    if (!same && ++mismatches <= 5)
      ADD_FAILURE() << "bits 0x" << std::hex << bits << ": got " << out(e, t, b) << ", expected "
                    << expected;
  });
  EXPECT_EQ(mismatches, 0);
}

TEST(EmbedWidening, EveryFiniteF16Pattern) {
  expectEveryPatternWidened(embed_f16_table, f16Value, /*finiteOnly=*/true);
}
TEST(EmbedWidening, EveryBf16Pattern) { expectEveryPatternWidened(embed_bf16_table, bf16Value); }

} // namespace
} // namespace gpt2c::test
