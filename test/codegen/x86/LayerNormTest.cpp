// layer_norm over padded input and output views, a width that is a multiple of the
// vector and one that is not (50 = 3 vectors + 2), rows not a multiple of the task.
#include "KernelTestSupport.h"

#include "kernels.h"

namespace gpt2c::test {
namespace {

void expectLayerNorm(int (*kernel)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *,
                                   halide_buffer_t *),
                     int width, double epsilon) {
  Random random(21);
  Buffer<float> gamma(width), beta(width);
  random.fill(gamma, 0.5f, 1.5f);
  random.fill(beta, -0.5f, 0.5f);
  const int rows = 7;
  PaddedBuffer<float> x({width, rows}, 4), y({width, rows}, 3, 5.0f);
  random.fill(x.view, -3.0f, 5.0f);
  for (int k = 0; k < width; ++k)
    x.view(k, 2) = 0.25f; // a constant row: zero variance, output beta
  ASSERT_EQ(kernel(x.view.raw_buffer(), gamma.raw_buffer(), beta.raw_buffer(),
                   y.view.raw_buffer()),
            0);
  EXPECT_EQ(y.paddingWritten(), 0);
  for (int m = 0; m < rows; ++m) {
    double mean = 0, variance = 0;
    for (int k = 0; k < width; ++k)
      mean += x.view(k, m);
    mean /= width;
    for (int k = 0; k < width; ++k)
      variance += (x.view(k, m) - mean) * (x.view(k, m) - mean);
    variance /= width;
    double rstd = 1.0 / std::sqrt(variance + epsilon);
    for (int k = 0; k < width; ++k) {
      double normalized = (x.view(k, m) - mean) * rstd;
      double expected = normalized * gamma(k) + beta(k);
      // The float32 statistics are exact to ~1e-6 of the row's spread.
      double magnitude = (std::fabs(normalized) + 1.0) * std::fabs(gamma(k)) + std::fabs(beta(k));
      EXPECT_WITHIN_TOLERANCE(y.view(k, m), expected, magnitude,
                              "row " + std::to_string(m) + ", element " + std::to_string(k));
    }
  }
}

TEST(LayerNormKernel, Width64) { expectLayerNorm(layer_norm_64, 64, 1e-5); }
TEST(LayerNormKernel, Width50WithTail) { expectLayerNorm(layer_norm_50, 50, 1e-3); }

} // namespace
} // namespace gpt2c::test
