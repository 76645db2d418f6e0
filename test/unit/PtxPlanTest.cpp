// The sm_90 launch plans, run on the CPU with each kernel's reference semantics
// (PtxPlanEmulator), against the transformers references: what the planner decides
// is right before any GPU runs it.
#include "GoldenChecks.h"
#include "PtxPlanEmulator.h"
#include "TestSupport.h"

#include <gtest/gtest.h>

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

} // namespace
} // namespace gpt2c
