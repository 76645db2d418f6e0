// The CPU executor running the reference phase library: against transformers'
// float64 golden outputs for synthetic:tiny:1 (../shared/golden), and against
// itself across the ways forward() can split a sequence into phases.
#include "TestArtifacts.h"
#include "TestSupport.h"

#include "gpt2c/cpu/CpuBackend.h"
#include "gpt2c/runtime/Comparison.h"
#include "gpt2c/runtime/Generator.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gpt2c::cpu {
namespace {
namespace fs = std::filesystem;

constexpr std::int64_t kVocab = 50257;

nlohmann::json tinyGolden() {
  return nlohmann::json::parse(
      test::readFile(test::sharedDir() / "golden" / "golden-tiny-s1.json"));
}

std::vector<float> goldenLastRows() {
  std::string bytes =
      test::readFile(test::sharedDir() / "golden" / "golden-tiny-s1-lastlogits.f32");
  std::vector<float> rows(bytes.size() / sizeof(float));
  std::memcpy(rows.data(), bytes.data(), rows.size() * sizeof(float));
  return rows;
}

std::span<const float> row(const std::vector<float> &logits, std::int64_t index) {
  return {logits.data() + index * kVocab, std::size_t(kVocab)};
}

double maxAbsDiff(std::span<const float> a, std::span<const float> b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(double(a[i]) - double(b[i])));
  return worst;
}

std::int32_t argmax(std::span<const float> logits) {
  return std::int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// Every golden check: top-10 logits at every position (score), the full last row
// (prefill), and the greedy continuation through decode wherever the recorded
// top-1/top-2 margin exceeds 1e-3.
void checkAgainstGolden(CpuBackend &backend) {
  nlohmann::json golden = tinyGolden();
  std::vector<float> lastRows = goldenLastRows();
  ASSERT_EQ(lastRows.size(), golden["cases"].size() * std::size_t(kVocab));
  for (std::size_t c = 0; c < golden["cases"].size(); ++c) {
    const auto &testCase = golden["cases"][c];
    auto ids = testCase["ids"].get<std::vector<std::int32_t>>();
    backend.reset();
    std::vector<float> all = backend.forward(ids, /*allPositions=*/true);
    ASSERT_EQ(all.size(), ids.size() * std::size_t(kVocab));
    double worstTop10 = 0;
    for (std::size_t position = 0; position < ids.size(); ++position) {
      auto topIds = testCase["top10_ids"][position].get<std::vector<std::int64_t>>();
      auto topLogits = testCase["top10_logits"][position].get<std::vector<double>>();
      for (std::size_t r = 0; r < topIds.size(); ++r)
        worstTop10 =
            std::max(worstTop10, std::abs(all[position * kVocab + topIds[r]] - topLogits[r]));
    }
    EXPECT_LE(worstTop10, 1e-4) << testCase["prompt"];

    backend.reset();
    std::vector<float> last = backend.forward(ids);
    ASSERT_EQ(last.size(), std::size_t(kVocab));
    EXPECT_LE(maxAbsDiff(last, row(lastRows, std::int64_t(c))), 1e-4) << testCase["prompt"];

    auto greedy = testCase["greedy"].get<std::vector<std::int32_t>>();
    auto margins = testCase["greedy_margin"].get<std::vector<double>>();
    std::int32_t predicted = argmax(last);
    int compared = 0;
    for (std::size_t step = 0; step < greedy.size(); ++step) {
      if (margins[step] > 1e-3) {
        EXPECT_EQ(predicted, greedy[step]) << testCase["prompt"] << " step " << step;
        ++compared;
      }
      predicted = argmax(backend.forward(std::span(&greedy[step], 1))); // teacher-forced
    }
    EXPECT_GT(compared, 0);
    EXPECT_EQ(backend.pastLength(), std::int64_t(ids.size() + greedy.size()));
  }
}

class CpuBackendTest : public ::testing::Test {
protected:
  fs::path write(const std::string &name, const test::ReferenceArtifactOptions &options = {}) {
    fs::path path = scratch.file(name);
    test::writeReferenceArtifact(path, options);
    return path;
  }
  test::ScratchDir scratch;
};

TEST_F(CpuBackendTest, MatchesTransformersKn) {
  CpuBackend backend(write("kn.gpt2c"));
  checkAgainstGolden(backend);
}

TEST_F(CpuBackendTest, MatchesTransformersNkAndExternalWeights) {
  CpuBackend backend(
      write("nk.gpt2c", {.linearLayout = PackedLayout::NK, .externalWeights = true}));
  checkAgainstGolden(backend);
}

TEST_F(CpuBackendTest, PrefillThenDecodeEqualsScore) {
  CpuBackend backend(write("tiny.gpt2c"));
  auto ids = tinyGolden()["cases"][1]["ids"].get<std::vector<std::int32_t>>();
  std::vector<float> scored = backend.forward(ids, true);
  for (std::size_t split : {std::size_t(1), std::size_t(4), ids.size() - 1}) {
    backend.reset();
    std::vector<float> last =
        backend.forward(std::span(ids).first(split)); // prefill, then decode one by one
    EXPECT_LE(maxAbsDiff(last, row(scored, std::int64_t(split) - 1)), 1e-5) << split;
    for (std::size_t t = split; t < ids.size(); ++t) {
      std::vector<float> next = backend.forward(std::span(&ids[t], 1));
      EXPECT_LE(maxAbsDiff(next, row(scored, std::int64_t(t))), 1e-5) << split << " " << t;
    }
  }
  // Several tokens after a prefill go through decode, one row each.
  backend.reset();
  backend.forward(std::span(ids).first(3));
  std::vector<float> rest = backend.forward(std::span(ids).subspan(3), true);
  ASSERT_EQ(rest.size(), (ids.size() - 3) * kVocab);
  for (std::size_t t = 3; t < ids.size(); ++t)
    EXPECT_LE(maxAbsDiff(row(rest, std::int64_t(t - 3)), row(scored, std::int64_t(t))), 1e-5);
}

TEST_F(CpuBackendTest, PromptsLongerThanMaxTokensArePrefilledInPart) {
  CpuBackend whole(write("whole.gpt2c"));
  CpuBackend parts(write("parts.gpt2c", {.maxTokens = 5}));
  auto ids = tinyGolden()["cases"][0]["ids"].get<std::vector<std::int32_t>>(); // 13 tokens
  std::vector<float> expected = whole.forward(ids, true);
  EXPECT_LE(maxAbsDiff(parts.forward(ids, true), expected), 1e-5);
  parts.reset();
  EXPECT_LE(maxAbsDiff(parts.forward(ids), row(expected, 12)), 1e-5);
  parts.forward(ids); // continues the sequence through decode
  EXPECT_EQ(parts.pastLength(), 26);
}

TEST_F(CpuBackendTest, BatchOfTwoEqualsOneByOne) {
  CpuBackend backend(write("tiny.gpt2c"));
  ASSERT_EQ(backend.maxBatch(), 2);
  nlohmann::json golden = tinyGolden();
  auto a = golden["cases"][0]["ids"].get<std::vector<std::int32_t>>();
  auto b = golden["cases"][1]["ids"].get<std::vector<std::int32_t>>();
  a.resize(8);
  b.resize(8);
  std::vector<std::int32_t> both = a;
  both.insert(both.end(), b.begin(), b.end());

  std::vector<float> rowsA = backend.forward(a, true);
  backend.reset();
  std::vector<float> rowsB = backend.forward(b, true);
  backend.reset();
  std::vector<float> batched = backend.forwardBatch(both, 2, true); // [2][8][V]
  ASSERT_EQ(batched.size(), 2 * 8 * std::size_t(kVocab));
  EXPECT_LE(maxAbsDiff(std::span(batched).first(8 * kVocab), rowsA), 1e-5);
  EXPECT_LE(maxAbsDiff(std::span(batched).subspan(8 * kVocab), rowsB), 1e-5);

  // One decode step for both sequences, against each sequence's own.
  std::vector<std::int32_t> next{42, 4242};
  std::vector<float> stepped = backend.forwardBatch(next, 2); // [2][V]
  backend.reset();
  backend.forward(a);
  EXPECT_LE(maxAbsDiff(row(stepped, 0), backend.forward(std::span(&next[0], 1))), 1e-5);
  backend.reset();
  backend.forward(b);
  EXPECT_LE(maxAbsDiff(row(stepped, 1), backend.forward(std::span(&next[1], 1))), 1e-5);
  // The last rows of a batched prefill.
  backend.reset();
  std::vector<float> lastRows = backend.forwardBatch(both, 2);
  EXPECT_LE(maxAbsDiff(row(lastRows, 0), row(rowsA, 7)), 1e-5);
  EXPECT_LE(maxAbsDiff(row(lastRows, 1), row(rowsB, 7)), 1e-5);
}

TEST_F(CpuBackendTest, WithoutScoreOnlyLastPositions) {
  CpuBackend backend(write("noscore.gpt2c", {.score = false}));
  std::vector<std::int32_t> ids{464, 2068, 7586};
  try {
    backend.forward(ids, true);
    FAIL();
  } catch (const Error &error) {
    EXPECT_NE(
        std::string(error.what()).find("has no score phase, which every position's logits need"),
        std::string::npos)
        << error.what();
  }
  EXPECT_EQ(backend.pastLength(), 0);
  EXPECT_EQ(backend.forward(std::span(ids).first(1), true).size(), std::size_t(kVocab));
  EXPECT_EQ(backend.forward(std::span(ids).subspan(1), true).size(), 2 * std::size_t(kVocab));
}

TEST_F(CpuBackendTest, GeneratorAndComparisonRunOnIt) {
  CpuBackend kn(write("kn.gpt2c"));
  CpuBackend nk(write("nk.gpt2c", {.linearLayout = PackedLayout::NK, .separateLibraries = true}));
  EXPECT_EQ(kn.describe(),
            "cpu x86-64 artifact " + scratch.file("kn.gpt2c").string() + ", synthetic:tiny:1");

  nlohmann::json golden = tinyGolden();
  auto ids = golden["cases"][2]["ids"].get<std::vector<std::int32_t>>();
  Generator generator(kn, [](std::int32_t) { return std::string("x"); });
  GenerationOptions options;
  options.maxNewTokens = 6;
  options.sampling.temperature = 0;
  GenerationResult result = generator.generate(ids, options);
  auto greedy = golden["cases"][2]["greedy"].get<std::vector<std::int32_t>>();
  auto margins = golden["cases"][2]["greedy_margin"].get<std::vector<double>>();
  ASSERT_EQ(result.tokens.size(), 6u);
  for (std::size_t i = 0; i < 6 && margins[i] > 1e-3; ++i)
    EXPECT_EQ(result.tokens[i], greedy[i]) << i;

  ComparisonSummary summary = compareBackends(kn, nk, {ids}, 4);
  EXPECT_LE(summary.maxAbsDiff, 1e-5);
  EXPECT_EQ(summary.top1Agreement, 1.0);
  EXPECT_EQ(summary.meanGreedyAgreement, 4.0);
}

} // namespace
} // namespace gpt2c::cpu
