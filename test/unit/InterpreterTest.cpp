// The reference interpreter against Hugging Face transformers (float64 golden
// outputs in ../shared/golden) and against itself across cache use and batching.
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/interpreter/InterpreterBackend.h"
#include "gpt2c/support/Error.h"

#include "TestSupport.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace gpt2c {
namespace {

using interp::InterpreterBackend;
using interp::Precision;
using interp::Tensor;

nlohmann::json golden(const std::string &file) {
  return nlohmann::json::parse(test::readFile(test::sharedDir() / "golden" / file));
}

std::vector<float> lastLogitsRows(const std::string &file) {
  std::string bytes = test::readFile(test::sharedDir() / "golden" / file);
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

std::int32_t argmax(std::span<const float> row) {
  return std::int32_t(std::max_element(row.begin(), row.end()) - row.begin());
}

// Every golden check of one synthetic configuration: top-10 logits at every
// position, the full last-position row, and the greedy continuation (teacher-forced
// with the golden tokens, compared wherever the recorded margin exceeds 1e-3).
void checkAgainstGolden(const std::string &model, const std::string &goldenFile,
                        const std::string &lastLogitsFile) {
  nlohmann::json reference = golden(goldenFile);
  std::vector<float> lastRows = lastLogitsRows(lastLogitsFile);
  InterpreterBackend backend(openModel(model), Precision::F32);
  const std::int64_t vocab = backend.config().vocabSize;
  ASSERT_EQ(lastRows.size(), reference["cases"].size() * std::size_t(vocab));

  for (std::size_t c = 0; c < reference["cases"].size(); ++c) {
    const auto &testCase = reference["cases"][c];
    std::vector<std::int32_t> ids = testCase["ids"].get<std::vector<std::int32_t>>();
    backend.reset();
    std::vector<float> logits = backend.forward(ids, /*allPositions=*/true);
    ASSERT_EQ(logits.size(), ids.size() * std::size_t(vocab));

    double worstTop10 = 0;
    for (std::size_t position = 0; position < ids.size(); ++position) {
      auto topIds = testCase["top10_ids"][position].get<std::vector<std::int64_t>>();
      auto topLogits = testCase["top10_logits"][position].get<std::vector<double>>();
      for (std::size_t r = 0; r < topIds.size(); ++r)
        worstTop10 = std::max(worstTop10, std::abs(double(logits[position * vocab + topIds[r]]) -
                                                   topLogits[r]));
    }
    EXPECT_LE(worstTop10, 1e-4) << testCase["prompt"];

    double worstRow = 0;
    std::span<const float> last(logits.data() + (ids.size() - 1) * vocab, std::size_t(vocab));
    for (std::int64_t v = 0; v < vocab; ++v)
      worstRow = std::max(worstRow, std::abs(double(last[v]) - lastRows[c * vocab + v]));
    EXPECT_LE(worstRow, 1e-4) << testCase["prompt"];

    auto greedy = testCase["greedy"].get<std::vector<std::int32_t>>();
    auto margins = testCase["greedy_margin"].get<std::vector<double>>();
    std::int32_t predicted = argmax(last);
    int compared = 0;
    for (std::size_t step = 0; step < greedy.size(); ++step) {
      if (margins[step] > 1e-3) {
        EXPECT_EQ(predicted, greedy[step]) << testCase["prompt"] << " step " << step;
        ++compared;
      }
      std::vector<float> next = backend.forward(std::span(&greedy[step], 1));
      predicted = argmax(next);
    }
    EXPECT_GT(compared, 0);
  }
}

TEST(InterpreterGolden, TinyMatchesTransformers) {
  checkAgainstGolden("synthetic:tiny:1", "golden-tiny-s1.json", "golden-tiny-s1-lastlogits.f32");
}

TEST(InterpreterGolden, Gpt2SmallMatchesTransformers) {
  checkAgainstGolden("synthetic:gpt2:1", "golden-gpt2-s1.json", "golden-gpt2-s1-lastlogits.f32");
}

TEST(InterpreterGolden, MiniGreedyContinuationsMatchTransformers) {
  nlohmann::json reference = golden("golden-mini-pydocs.json");
  InterpreterBackend backend(openModel((test::sharedDir() / "models" / "gpt2-mini-pydocs").string()),
                             Precision::F32);
  for (const auto &testCase : reference["greedy"]) {
    auto prompt = testCase["prompt_ids"].get<std::vector<std::int32_t>>();
    auto expected = testCase["ids_with_40_greedy"].get<std::vector<std::int32_t>>();
    backend.reset();
    std::vector<std::int32_t> produced = prompt;
    std::vector<float> logits = backend.forward(prompt);
    while (produced.size() < expected.size()) {
      produced.push_back(argmax(logits));
      logits = backend.forward(std::span(&produced.back(), 1));
    }
    EXPECT_EQ(produced, expected) << testCase["prompt"];
  }
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
