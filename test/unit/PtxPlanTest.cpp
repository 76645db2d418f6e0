// The sm_90 launch plans, run on the CPU with each kernel's reference semantics
// (PtxPlanEmulator), against the transformers references: what the planner decides
// is right before any GPU runs it.
#include "GoldenChecks.h"
#include "PtxPlanEmulator.h"
#include "TestSupport.h"

#include "gpt2c/runtime/Perplexity.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace gpt2c {
namespace {

TEST(PtxPlan, TinyF32MatchesTransformers) {
  test::PtxPlanEmulator plans("synthetic:tiny:1", "f32");
  test::expectMatchesSyntheticGolden(plans, "golden-tiny-s1.json", "golden-tiny-s1-lastlogits.f32",
                                     1e-4);
}

// bf16 weights, with the tensor-core inputs of prefill and score rounded to bf16.
TEST(PtxPlan, TinyBf16AgreesOnTheTopToken) {
  test::PtxPlanEmulator plans("synthetic:tiny:1", "bf16");
  test::expectTopOneAgreement(plans, "golden-tiny-s1.json", 0.05);
}

TEST(PtxPlan, TinyF16AgreesOnTheTopToken) {
  test::PtxPlanEmulator plans("synthetic:tiny:1", "f16");
  test::expectTopOneAgreement(plans, "golden-tiny-s1.json", 0.05);
}

// The mini checkpoint stores float16: its biases and layer-norm parameters must
// still reach the kernels as float32, and its matrices go through the f16 tensor
// cores in prefill.
TEST(PtxPlan, MiniF16CheckpointGreedyTokens) {
  test::PtxPlanEmulator plans((test::sharedDir() / "models" / "gpt2-mini-pydocs").string(), "f32");
  test::expectMatchesMiniGreedy(plans);
}

// The score phase (every position of a 1024-token window) of the mini checkpoint
// with bf16 weights: the perplexity of the first held-out window within 0.5% of
// the float32 value transformers gives.
TEST(PtxPlan, MiniBf16FirstWindowPerplexity) {
  const auto directory = test::sharedDir() / "models" / "gpt2-mini-pydocs";
  test::PtxPlanEmulator plans(directory.string(), "bf16");
  std::vector<std::int32_t> ids = Tokenizer::fromDirectory(directory).encode(
      test::readFile(test::sharedDir() / "data" / "pydocs-heldout.txt"));
  PerplexityOptions options;
  options.window = 1024;
  options.maxWindows = 1;
  PerplexityResult result = measurePerplexity(plans, ids, options);
  const auto golden = nlohmann::json::parse(
      test::readFile(test::sharedDir() / "golden" / "golden-mini-pydocs.json"))["perplexity"]
                                                                                ["prefix_windows"]["1"];
  EXPECT_EQ(result.tokensPredicted, golden["tokens_predicted"].get<std::int64_t>());
  const double expected = golden["ppl"].get<double>();
  EXPECT_NEAR(result.perplexity, expected, 0.005 * expected);
}

} // namespace
} // namespace gpt2c
