// qkv_scatter writes the query into its own buffer and keys and values into views of
// the caches [B][H][C][D] at positions [past, past + T): the rest of the caches must
// stay untouched.
#include "KernelTestSupport.h"

#include "kernels.h"

namespace gpt2c::test {
namespace {

constexpr int kHeads = 4, kHeadDim = 16, kCapacity = 32;

// The cache positions [past, past + tokens) as a buffer (d, t, h, b) starting at 0.
Buffer<float> cacheView(Buffer<float> &cache, int past, int tokens) {
  Buffer<float> view = cache.cropped(1, past, tokens);
  view.translate(1, -past);
  return view;
}

TEST(QkvScatterKernel, SplitsHeadsIntoCacheViews) {
  Random random(5);
  const int batch = 2, tokens = 7, past = 5, width = 3 * kHeads * kHeadDim;
  PaddedBuffer<float> qkv({width, tokens, batch}, 3);
  random.fill(qkv.view, -1.0f, 1.0f);
  Buffer<float> query(kHeadDim, tokens, kHeads, batch);
  Buffer<float> keys(kHeadDim, kCapacity, kHeads, batch), values(kHeadDim, kCapacity, kHeads, batch);
  keys.fill(100.0f);
  values.fill(200.0f);
  Buffer<float> keysView = cacheView(keys, past, tokens), valuesView = cacheView(values, past, tokens);
  ASSERT_EQ(qkv_scatter(qkv.view.raw_buffer(), query.raw_buffer(), keysView.raw_buffer(),
                        valuesView.raw_buffer()),
            0);
  for (int b = 0; b < batch; ++b)
    for (int h = 0; h < kHeads; ++h)
      for (int c = 0; c < kCapacity; ++c)
        for (int d = 0; d < kHeadDim; ++d) {
          int t = c - past;
          bool written = t >= 0 && t < tokens;
          EXPECT_EQ(keys(d, c, h, b),
                    written ? qkv.view(kHeads * kHeadDim + h * kHeadDim + d, t, b) : 100.0f);
          EXPECT_EQ(values(d, c, h, b),
                    written ? qkv.view(2 * kHeads * kHeadDim + h * kHeadDim + d, t, b) : 200.0f);
          if (written)
            EXPECT_EQ(query(d, t, h, b), qkv.view(h * kHeadDim + d, t, b));
        }
}

} // namespace
} // namespace gpt2c::test
