// Artifacts compiled for sm_90 (gpt2c compile --target sm_90), run by the GPU
// executor against the transformers references of ../shared/golden. The
// artifacts come from $GPT2C_GPU_ARTIFACTS (this binary compiles nothing):
// tiny-f32.gpt2c, gpt2-f32.gpt2c, gpt2-bf16.gpt2c, mini-f32.gpt2c, mini-bf16.gpt2c.
#include "GoldenChecks.h"
#include "TestSupport.h"

#include "gpt2c/gpu/GpuBackend.h"
#include "gpt2c/runtime/Perplexity.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace gpt2c::gpu {
namespace {
namespace fs = std::filesystem;

// The artifact `name` of $GPT2C_GPU_ARTIFACTS; skips the test when the variable
// is unset, fails it when the artifact is missing.
#define OPEN_ARTIFACT(backend, name, ...)                                                          \
  const char *artifacts = std::getenv("GPT2C_GPU_ARTIFACTS");                                      \
  if (!artifacts || !*artifacts)                                                                   \
    GTEST_SKIP() << "GPT2C_GPU_ARTIFACTS names no directory of compiled GPU artifacts";           \
  fs::path path = fs::path(artifacts) / (name);                                                    \
  ASSERT_TRUE(fs::is_directory(path)) << path << " is missing";                                    \
  GpuBackend backend(path __VA_OPT__(, ) __VA_ARGS__)

std::vector<std::int32_t> heldOutIds() {
  return Tokenizer::fromDirectory(test::sharedDir() / "models" / "gpt2-mini-pydocs")
      .encode(test::readFile(test::sharedDir() / "data" / "pydocs-heldout.txt"));
}

// The mini model's perplexity over the whole held-out text, within `relative`
// of transformers' (golden-mini-pydocs.json).
void expectMiniPerplexity(Backend &backend, double relative) {
  auto golden = nlohmann::json::parse(
      test::readFile(test::sharedDir() / "golden" / "golden-mini-pydocs.json"))["perplexity"];
  std::vector<std::int32_t> ids = heldOutIds();
  PerplexityOptions options;
  options.window = 1024;
  PerplexityResult result = measurePerplexity(backend, ids, options);
  std::printf("perplexity %.4f over %lld tokens, transformers %.4f\n", result.perplexity,
              static_cast<long long>(result.tokensPredicted), golden["ppl"].get<double>());
  EXPECT_EQ(result.tokensPredicted, golden["tokens_predicted"].get<std::int64_t>());
  double expected = golden["ppl"].get<double>();
  EXPECT_LE(std::abs(result.perplexity - expected) / expected, relative)
      << "perplexity " << result.perplexity << ", transformers " << expected;
}

TEST(GpuCompiled, TinyF32MatchesTransformers) {
  OPEN_ARTIFACT(backend, "tiny-f32.gpt2c");
  test::expectMatchesSyntheticGolden(backend, "golden-tiny-s1.json",
                                     "golden-tiny-s1-lastlogits.f32", 1e-3);
}

TEST(GpuCompiled, Gpt2F32MatchesTransformers) {
  OPEN_ARTIFACT(backend, "gpt2-f32.gpt2c");
  test::expectMatchesSyntheticGolden(backend, "golden-gpt2-s1.json",
                                     "golden-gpt2-s1-lastlogits.f32", 1e-3);
}

TEST(GpuCompiled, Gpt2Bf16AgreesOnTheTopToken) {
  OPEN_ARTIFACT(backend, "gpt2-bf16.gpt2c");
  test::expectTopOneAgreement(backend, "golden-gpt2-s1.json", 0.05);
}

// Graph replay computes what kernel-by-kernel launches compute, bit for bit.
TEST(GpuCompiled, GraphsChangeNothing) {
  OPEN_ARTIFACT(withGraphs, "tiny-f32.gpt2c");
  GpuBackend withoutGraphs(path, {}, {.graphs = false});
  std::vector<std::int32_t> prompt = {464, 2068, 7586, 21831, 18045, 625, 262};
  EXPECT_EQ(withGraphs.forward(prompt, true), withoutGraphs.forward(prompt, true));
  for (std::int32_t next : {13, 198, 464}) {
    std::vector<std::int32_t> one{next};
    EXPECT_EQ(withGraphs.forward(one), withoutGraphs.forward(one));
  }
}

TEST(GpuCompiled, MiniF32GreedyTokens) {
  OPEN_ARTIFACT(backend, "mini-f32.gpt2c");
  test::expectMatchesMiniGreedy(backend);
}

TEST(GpuCompiled, MiniF32Perplexity) {
  OPEN_ARTIFACT(backend, "mini-f32.gpt2c");
  expectMiniPerplexity(backend, 0.005);
}

TEST(GpuCompiled, MiniBf16Perplexity) {
  OPEN_ARTIFACT(backend, "mini-bf16.gpt2c");
  expectMiniPerplexity(backend, 0.005);
}

TEST(GpuCompiled, MiniF16Perplexity) {
  OPEN_ARTIFACT(backend, "mini-f16.gpt2c");
  expectMiniPerplexity(backend, 0.005);
}

} // namespace
} // namespace gpt2c::gpu
