// The reference interpreter against Hugging Face transformers (float64 golden
// outputs in ../shared/golden) and against itself across cache use and batching.
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/interpreter/InterpreterBackend.h"
#include "gpt2c/support/Error.h"

#include "GoldenChecks.h"
#include "TestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace gpt2c {
namespace {

using interp::InterpreterBackend;
using interp::Precision;
using interp::Tensor;

TEST(InterpreterGolden, TinyMatchesTransformers) {
  InterpreterBackend backend(openModel("synthetic:tiny:1"), Precision::F32);
  test::expectMatchesSyntheticGolden(backend, "golden-tiny-s1.json",
                                     "golden-tiny-s1-lastlogits.f32", 1e-4);
}

TEST(InterpreterGolden, Gpt2SmallMatchesTransformers) {
  InterpreterBackend backend(openModel("synthetic:gpt2:1"), Precision::F32);
  test::expectMatchesSyntheticGolden(backend, "golden-gpt2-s1.json",
                                     "golden-gpt2-s1-lastlogits.f32", 1e-4);
}

TEST(InterpreterGolden, MiniGreedyContinuationsMatchTransformers) {
  InterpreterBackend backend(openModel((test::sharedDir() / "models" / "gpt2-mini-pydocs").string()),
                             Precision::F32);
  test::expectMatchesMiniGreedy(backend);
}

// Prefill followed by one-token decode steps reproduces the logits of recomputing
// the whole sequence at once.
void checkIncrementalEqualsFull(const std::string &model, std::size_t prefill) {
  std::vector<std::int32_t> ids = {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 632, 373};
  InterpreterBackend full(openModel(model), Precision::F32);
  std::vector<float> reference = full.forward(ids, /*allPositions=*/true);
  const std::size_t vocab = std::size_t(full.config().vocabSize);

  InterpreterBackend incremental(openModel(model), Precision::F32);
  std::vector<float> logits =
      incremental.forward(std::span(ids.data(), prefill), /*allPositions=*/true);
  for (std::size_t t = prefill; t < ids.size(); ++t) {
    EXPECT_EQ(incremental.pastLength(), std::int64_t(t));
    std::vector<float> step = incremental.forward(std::span(&ids[t], 1));
    logits.insert(logits.end(), step.begin(), step.end());
  }
  ASSERT_EQ(logits.size(), reference.size());
  double worst = 0;
  for (std::size_t i = 0; i < logits.size(); ++i)
    worst = std::max(worst, double(std::abs(logits[i] - reference[i])));
  EXPECT_LE(worst, 1e-5) << model << " (vocab " << vocab << ")";
}

TEST(Interpreter, PrefillThenDecodeEqualsFullRecompute) {
  checkIncrementalEqualsFull("synthetic:tiny:1", 5);
  checkIncrementalEqualsFull((test::sharedDir() / "models" / "gpt2-mini-pydocs").string(), 3);
}

TEST(Interpreter, BatchedSequencesMatchSeparateRuns) {
  std::vector<std::int32_t> first = {15496, 11, 616, 1438, 318}, second = {40, 588, 257, 3797, 13};
  InterpreterBackend batched(openModel("synthetic:tiny:3"), Precision::F32);
  std::vector<std::int32_t> both(first);
  both.insert(both.end(), second.begin(), second.end());
  Tensor<float> logits = batched.forwardBatch(Tensor<std::int32_t>({2, 5}, both));
  Tensor<float> nextLogits = batched.forwardBatch(Tensor<std::int32_t>({2, 1}, {7, 9}));

  for (int b = 0; b < 2; ++b) {
    InterpreterBackend single(openModel("synthetic:tiny:3"), Precision::F32);
    std::vector<float> alone = single.forward(b == 0 ? first : second, /*allPositions=*/true);
    std::int32_t next = b == 0 ? 7 : 9;
    std::vector<float> aloneNext = single.forward(std::span(&next, 1));
    std::size_t rowSize = alone.size();
    for (std::size_t i = 0; i < rowSize; ++i)
      ASSERT_NEAR(logits.data()[b * rowSize + i], alone[i], 1e-5);
    for (std::size_t i = 0; i < aloneNext.size(); ++i)
      ASSERT_NEAR(nextLogits.data()[b * aloneNext.size() + i], aloneNext[i], 1e-5);
  }
}

TEST(Interpreter, Float32AgreesWithFloat64) {
  std::vector<std::int32_t> ids = {818, 11361, 11, 257, 1351, 35915};
  InterpreterBackend narrow(openModel("synthetic:tiny:2"), Precision::F32);
  InterpreterBackend wide(openModel("synthetic:tiny:2"), Precision::F64);
  std::vector<float> a = narrow.forward(ids, true), b = wide.forward(ids, true);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], b[i], 1e-5);
}

TEST(Interpreter, RejectsInvalidInput) {
  InterpreterBackend backend(openModel("synthetic:tiny:1"), Precision::F32);
  auto errorOf = [&](std::vector<std::int32_t> ids) -> std::string {
    try {
      backend.reset();
      backend.forward(ids);
    } catch (const Error &error) {
      return error.what();
    }
    return "";
  };
  EXPECT_NE(errorOf({1, 50257}).find("token id 50257 is out of range [0, 50257)"), std::string::npos);
  EXPECT_NE(errorOf({}).find("at least one token"), std::string::npos);
  EXPECT_NE(errorOf(std::vector<std::int32_t>(129, 5)).find("exceed the context of 128 positions"),
            std::string::npos);
  // After an error the backend starts afresh and still works.
  backend.reset();
  EXPECT_EQ(backend.forward(std::vector<std::int32_t>{1, 2, 3}).size(), 50257u);
}

} // namespace
} // namespace gpt2c
