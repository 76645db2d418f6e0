// attention over cache views: decode (one token after `past`), prefill from 0,
// chunked prefill after a past, the pruned last layer (a one-row view of the query
// at past + T - 1), and non-causal attention over a length shorter than the cache.
#include "KernelTestSupport.h"

#include "kernels.h"

#include <functional>
#include <ostream>

namespace gpt2c::test {
namespace {

constexpr int kHeads = 4, kHeadDim = 16, kCapacity = 32;

using AttentionKernel = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *, int32_t,
                                int32_t, halide_buffer_t *);

struct Caches {
  Buffer<float> keys, values;
  Caches(int batch, Random &random)
      : keys(kHeadDim, kCapacity, kHeads, batch), values(kHeadDim, kCapacity, kHeads, batch) {
    random.fill(keys, -1.0f, 1.0f);
    random.fill(values, -1.0f, 1.0f);
  }
};

// Checks out(h*D + d, t, b) for the query rows of `query` (d, t, h, b) sitting at
// positions past + t, against softmax attention in double.
void expectAttention(const Buffer<float> &query, const Caches &caches, int past, int length,
                     double scale, bool causal, const Buffer<float> &out) {
  const int tokens = query.dim(1).extent(), batch = query.dim(3).extent();
  for (int b = 0; b < batch; ++b)
    for (int h = 0; h < kHeads; ++h)
      for (int t = 0; t < tokens; ++t) {
        const int visible = causal ? std::min(length, past + t + 1) : length;
        std::vector<double> scores(visible);
        double top = -INFINITY, total = 0;
        for (int j = 0; j < visible; ++j) {
          double dot = 0;
          for (int d = 0; d < kHeadDim; ++d)
            dot += double(query(d, t, h, b)) * caches.keys(d, j, h, b);
          scores[j] = scale * dot;
          top = std::max(top, scores[j]);
        }
        for (double &score : scores)
          total += (score = std::exp(score - top));
        for (int d = 0; d < kHeadDim; ++d) {
          double expected = 0, magnitude = 0;
          for (int j = 0; j < visible; ++j) {
            expected += scores[j] / total * caches.values(d, j, h, b);
            magnitude += scores[j] / total * std::fabs(caches.values(d, j, h, b));
          }
          EXPECT_WITHIN_TOLERANCE(out(h * kHeadDim + d, t, b), expected, magnitude,
                                  "sequence " + std::to_string(b) + ", head " + std::to_string(h) +
                                      ", row " + std::to_string(t) + ", d " + std::to_string(d));
        }
      }
}

void runAndCheck(AttentionKernel kernel, const Buffer<float> &query, const Caches &caches, int past,
                 int length, double scale, bool causal) {
  const int tokens = query.dim(1).extent(), batch = query.dim(3).extent();
  PaddedBuffer<float> out({kHeads * kHeadDim, tokens, batch}, 3, 9.0f);
  Buffer<float> queryCopy = query, keys = caches.keys, values = caches.values;
  ASSERT_EQ(kernel(queryCopy.raw_buffer(), keys.raw_buffer(), values.raw_buffer(), past, length,
                   out.view.raw_buffer()),
            0);
  EXPECT_EQ(out.paddingWritten(), 0);
  expectAttention(query, caches, past, length, scale, causal, out.view);
}

struct Shape {
  const char *name;
  int batch, tokens, past;
};

std::ostream &operator<<(std::ostream &out, const Shape &shape) { return out << shape.name; }

class CausalAttentionTest : public ::testing::TestWithParam<Shape> {};

TEST_P(CausalAttentionTest, DecodeKernel) {
  const Shape &shape = GetParam();
  Random random(11);
  Caches caches(shape.batch, random);
  Buffer<float> query(kHeadDim, shape.tokens, kHeads, shape.batch);
  random.fill(query, -2.0f, 2.0f);
  runAndCheck(attention_decode, query, caches, shape.past, shape.past + shape.tokens, 0.25, true);
}

TEST_P(CausalAttentionTest, PrefillKernel) {
  const Shape &shape = GetParam();
  Random random(12);
  Caches caches(shape.batch, random);
  Buffer<float> query(kHeadDim, shape.tokens, kHeads, shape.batch);
  random.fill(query, -2.0f, 2.0f);
  runAndCheck(attention_prefill, query, caches, shape.past, shape.past + shape.tokens, 0.25, true);
}

// The pruned last layer: only the last query row, as a one-row view, at past + T - 1.
TEST_P(CausalAttentionTest, LastRowView) {
  const Shape &shape = GetParam();
  Random random(13);
  Caches caches(shape.batch, random);
  Buffer<float> query(kHeadDim, shape.tokens, kHeads, shape.batch);
  random.fill(query, -2.0f, 2.0f);
  Buffer<float> lastRow = query.cropped(1, shape.tokens - 1, 1);
  lastRow.translate(1, -(shape.tokens - 1));
  for (AttentionKernel kernel : {attention_decode, attention_prefill})
    runAndCheck(kernel, lastRow, caches, shape.past + shape.tokens - 1, shape.past + shape.tokens,
                0.25, true);
}

const Shape kShapes[] = {
    {"decode", 2, 1, 9},         {"decode_first_token", 1, 1, 0},
    {"prefill", 2, 7, 0},        {"chunked_prefill", 1, 6, 5},
    {"prefill_full_cache", 1, kCapacity, 0},
};

INSTANTIATE_TEST_SUITE_P(Kernels, CausalAttentionTest, ::testing::ValuesIn(kShapes),
                         [](const auto &info) { return std::string(info.param.name); });

TEST(AttentionKernel, NonCausalOverShortLength) {
  Random random(14);
  Caches caches(2, random);
  for (int tokens : {1, 4, 5}) {
    Buffer<float> query(kHeadDim, tokens, kHeads, 2);
    random.fill(query, -2.0f, 2.0f);
    runAndCheck(attention_full, query, caches, 3, 19, 0.3, false);
  }
}

} // namespace
} // namespace gpt2c::test
