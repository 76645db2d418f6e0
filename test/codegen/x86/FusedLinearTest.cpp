// fused_linear: y = residual + act(norm(x) W + bias) for every storage type, both
// layouts, both strategies, against a double-precision reference, with padded
// (strided) input, residual and output views and row counts that leave partial
// register tiles.
#include "KernelTestSupport.h"
#include "TestWeights.h"

#include "kernels.h"

#include <functional>
#include <ostream>

namespace gpt2c::test {
namespace {

struct LinearBuffers {
  halide_buffer_t *x, *weight, *scales, *bias, *gamma, *beta, *residual, *y;
};

struct LinearCase {
  const char *name;
  int k, n;
  const char *dtype;
  int groupSize;
  bool kn, norm, gelu, residual;
  float epsilon;
  std::function<int(const LinearBuffers &)> run;
  bool pairs = false; // the weight passed as uint32 column pairs
  int activationGroup = 0; // activations int8 in groups of this many values (0: float32)
  bool kPairs = false; // kn weights in the packer's layout kpairs (bf16), as 16-bit values
                       // with bf16 activations and as uint32 words otherwise
  bool bf16Activations = false; // the kernel rounds its rows to bf16
};

std::ostream &operator<<(std::ostream &out, const LinearCase &c) { return out << c.name; }

// The references, in double.
std::vector<double> layerNorm(const std::vector<double> &row, const Buffer<float> &gamma,
                              const Buffer<float> &beta, double epsilon) {
  double mean = 0, variance = 0;
  for (double value : row)
    mean += value;
  mean /= double(row.size());
  for (double value : row)
    variance += (value - mean) * (value - mean);
  variance /= double(row.size());
  std::vector<double> result(row.size());
  for (std::size_t k = 0; k < row.size(); ++k)
    result[k] = (row[k] - mean) / std::sqrt(variance + epsilon) * gamma(int(k)) + beta(int(k));
  return result;
}

double gelu(double x) {
  return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

class FusedLinearTest : public ::testing::TestWithParam<LinearCase> {};

TEST_P(FusedLinearTest, MatchesReference) {
  const LinearCase &c = GetParam();
  Random random(1234);
  // kn stores w(n, k) (channels along dimension 0), nk stores w(k, n).
  TestMatrix weight = c.kn ? TestMatrix(c.dtype, c.n, c.k, 0, c.groupSize, random, 0.5f)
                           : TestMatrix(c.dtype, c.k, c.n, 1, c.groupSize, random, 0.5f);
  auto w = [&](int k, int n) { return c.kn ? weight.value(n, k) : weight.value(k, n); };
  Buffer<float> bias(c.n), gamma(c.k), beta(c.k);
  random.fill(bias, -0.5f, 0.5f);
  random.fill(gamma, 0.5f, 1.5f);
  random.fill(beta, -0.2f, 0.2f);

  for (int rows : {1, 2, 5, 13}) {
    PaddedBuffer<float> x({c.k, rows}, 3), residual({c.n, rows}, 2), y({c.n, rows}, 5, -7.0f);
    random.fill(x.view, -2.0f, 2.0f);
    random.fill(residual.view, -1.0f, 1.0f);
    halide_buffer_t *stored = c.pairs                                ? weight.storedAsPairs()
                              : c.kPairs && c.bf16Activations        ? weight.storedAsKPairs()
                              : c.kPairs                             ? weight.storedAsKPairWords()
                                                                     : weight.stored();
    LinearBuffers buffers{x.view.raw_buffer(),  stored,
                          weight.scales(),
                          bias.raw_buffer(),    gamma.raw_buffer(), beta.raw_buffer(),
                          residual.view.raw_buffer(), y.view.raw_buffer()};
    ASSERT_EQ(c.run(buffers), 0) << rows << " rows";
    EXPECT_EQ(y.paddingWritten(), 0) << rows << " rows";

    for (int m = 0; m < rows; ++m) {
      std::vector<double> row(c.k);
      for (int k = 0; k < c.k; ++k)
        row[k] = x.view(k, m);
      if (c.norm)
        row = layerNorm(row, gamma, beta, c.epsilon);
      QuantisedRow quantised = c.bf16Activations ? roundActivationsToBf16(row)
                                                 : quantiseActivations(row, c.activationGroup);
      for (int n = 0; n < c.n; ++n) {
        double sum = 0, magnitude = 0, oneStep = 0;
        for (int k = 0; k < c.k; ++k) {
          sum += quantised.values[k] * w(k, n);
          magnitude += std::fabs(quantised.values[k] * w(k, n));
          oneStep = std::max(oneStep, quantised.steps[k] * std::fabs(w(k, n)));
        }
        // One value rounded the other way (GELU's slope stays below 1.13).
        magnitude += 1.13 * oneStep / kRelativeTolerance;
        double expected = sum + bias(n);
        magnitude += std::fabs(bias(n));
        if (c.gelu)
          expected = gelu(expected);
        if (c.residual) {
          expected += residual.view(n, m);
          magnitude += std::fabs(residual.view(n, m));
        }
        EXPECT_WITHIN_TOLERANCE(y.view(n, m), expected, magnitude,
                                "row " + std::to_string(m) + " of " + std::to_string(rows) +
                                    ", column " + std::to_string(n));
      }
    }
  }
}

const LinearCase kCases[] = {
    {"gemv_kn_f32_norm", 64, 192, "f32", 0, true, true, false, false, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemv_kn_f32_norm(b.x, b.weight, b.bias, b.gamma, b.beta, b.y);
     }},
    {"gemv_kn_bf16_gelu_rows", 64, 208, "bf16", 0, true, false, true, false, 0,
     [](const LinearBuffers &b) {
       return linear_gemv_kn_bf16_gelu_rows(b.x, b.weight, b.bias, b.y);
     }},
    {"gemv_kn_split_f32_residual", 64, 208, "f32", 0, true, false, false, true, 0,
     [](const LinearBuffers &b) {
       return linear_gemv_kn_split_f32_residual(b.x, b.weight, b.bias, b.residual, b.y);
     }},
    {"gemv_kn_split_bf16_norm_gelu", 96, 192, "bf16", 0, true, true, true, false, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemv_kn_split_bf16_norm_gelu(b.x, b.weight, b.bias, b.gamma, b.beta, b.y);
     }},
    {"gemv_kn_split_bf16_pairs", 64, 208, "bf16", 0, true, true, false, true, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemv_kn_split_bf16_pairs(b.x, b.weight, b.bias, b.gamma, b.beta, b.residual,
                                              b.y);
     },
     true},
    {"gemv_kn_split_f16_pairs", 96, 224, "f16", 0, true, false, true, true, 0,
     [](const LinearBuffers &b) {
       return linear_gemv_kn_split_f16_pairs(b.x, b.weight, b.bias, b.residual, b.y);
     },
     true},
    {"gemv_kn_split_int8_channels", 128, 80, "int8", 0, true, false, true, false, 0,
     [](const LinearBuffers &b) {
       return linear_gemv_kn_split_int8_channels(b.x, b.weight, b.scales, b.bias, b.y);
     }},
    {"gemv_kn_split_f16_serial", 64, 48, "f16", 0, true, false, false, false, 0,
     [](const LinearBuffers &b) { return linear_gemv_kn_split_f16_serial(b.x, b.weight, b.bias, b.y); }},
    {"gemv_kn_int8_residual", 256, 64, "int8", 32, true, false, false, true, 0,
     [](const LinearBuffers &b) {
       return linear_gemv_kn_int8_residual(b.x, b.weight, b.scales, b.bias, b.residual, b.y);
     }},
    {"gemv_nk_bf16_norm_gelu", 64, 256, "bf16", 0, false, true, true, false, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemv_nk_bf16_norm_gelu(b.x, b.weight, b.bias, b.gamma, b.beta, b.y);
     }},
    {"gemv_nk_f16_odd_n", 64, 202, "f16", 0, false, true, false, true, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemv_nk_f16_odd_n(b.x, b.weight, b.bias, b.gamma, b.beta, b.residual, b.y);
     }},
    {"gemv_nk_int8_groups", 128, 64, "int8", 32, false, false, true, true, 0,
     [](const LinearBuffers &b) {
       return linear_gemv_nk_int8_groups(b.x, b.weight, b.scales, b.bias, b.residual, b.y);
     }},
    {"gemv_nk_int8_whole", 64, 64, "int8", 0, false, true, false, false, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemv_nk_int8_whole(b.x, b.weight, b.scales, b.bias, b.gamma, b.beta, b.y);
     }},
    {"gemv_nk_int8_vnni_groups", 256, 72, "int8", 128, false, true, true, true, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemv_nk_int8_vnni_groups(b.x, b.weight, b.scales, b.bias, b.gamma, b.beta,
                                              b.residual, b.y);
     },
     false, 64},
    {"gemv_nk_int8_vnni_channels", 256, 64, "int8", 0, false, false, false, true, 0,
     [](const LinearBuffers &b) {
       return linear_gemv_nk_int8_vnni_channels(b.x, b.weight, b.scales, b.bias, b.residual, b.y);
     },
     false, 256},
    {"gemm_kn_f32_all", 64, 256, "f32", 0, true, true, true, true, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemm_kn_f32_all(b.x, b.weight, b.bias, b.gamma, b.beta, b.residual, b.y);
     }},
    {"gemm_nk_bf16_norm", 64, 192, "bf16", 0, false, true, false, false, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemm_nk_bf16_norm(b.x, b.weight, b.bias, b.gamma, b.beta, b.y);
     }},
    {"gemv_kpairs_split_bf16_dots_norm_gelu", 96, 208, "bf16", 0, true, true, true, false, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemv_kpairs_split_bf16_dots_norm_gelu(b.x, b.weight, b.bias, b.gamma, b.beta,
                                                           b.y);
     },
     false, 0, true, true},
    {"gemv_kpairs_bf16_dots_residual", 64, 192, "bf16", 0, true, false, false, true, 0,
     [](const LinearBuffers &b) {
       return linear_gemv_kpairs_bf16_dots_residual(b.x, b.weight, b.bias, b.residual, b.y);
     },
     false, 0, true, true},
    {"gemv_kpairs_split_bf16_f32_rows", 64, 208, "bf16", 0, true, true, false, true, 1e-5f,
     [](const LinearBuffers &b) {
       return linear_gemv_kpairs_split_bf16_f32_rows(b.x, b.weight, b.bias, b.gamma, b.beta,
                                                     b.residual, b.y);
     },
     false, 0, true, false},
    {"gemm_kpairs_bf16_gelu", 64, 208, "bf16", 0, true, false, true, false, 0,
     [](const LinearBuffers &b) { return linear_gemm_kpairs_bf16_gelu(b.x, b.weight, b.bias, b.y); },
     false, 0, true, false},
    {"gemm_kn_int8_gelu", 64, 208, "int8", 16, true, false, true, false, 0,
     [](const LinearBuffers &b) {
       return linear_gemm_kn_int8_gelu(b.x, b.weight, b.scales, b.bias, b.y);
     }},
    {"gemm_nk_f16_residual", 64, 64, "f16", 0, false, false, false, true, 0,
     [](const LinearBuffers &b) {
       return linear_gemm_nk_f16_residual(b.x, b.weight, b.bias, b.residual, b.y);
     }},
};

INSTANTIATE_TEST_SUITE_P(Kernels, FusedLinearTest, ::testing::ValuesIn(kCases),
                         [](const auto &info) { return std::string(info.param.name); });

} // namespace
} // namespace gpt2c::test
