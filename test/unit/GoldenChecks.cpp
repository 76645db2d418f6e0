#include "GoldenChecks.h"

#include "TestSupport.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gpt2c::test {
namespace {

nlohmann::json golden(const std::string &file) {
  return nlohmann::json::parse(readFile(sharedDir() / "golden" / file));
}

std::int32_t argmax(std::span<const float> row) {
  return std::int32_t(std::max_element(row.begin(), row.end()) - row.begin());
}

} // namespace

void expectMatchesSyntheticGolden(Backend &backend, const std::string &goldenFile,
                                  const std::string &lastLogitsFile, double tolerance) {
  nlohmann::json reference = golden(goldenFile);
  std::string bytes = readFile(sharedDir() / "golden" / lastLogitsFile);
  std::vector<float> lastRows(bytes.size() / sizeof(float));
  std::memcpy(lastRows.data(), bytes.data(), lastRows.size() * sizeof(float));
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
    EXPECT_LE(worstTop10, tolerance) << testCase["prompt"];

    double worstRow = 0;
    std::span<const float> last(logits.data() + (ids.size() - 1) * vocab, std::size_t(vocab));
    for (std::int64_t v = 0; v < vocab; ++v)
      worstRow = std::max(worstRow, std::abs(double(last[v]) - lastRows[c * vocab + v]));
    EXPECT_LE(worstRow, tolerance) << testCase["prompt"];

    // Greedy continuation through the phases the backend uses for generation:
    // the last-position prefill, then one-token decode steps.
    backend.reset();
    std::int32_t predicted = argmax(backend.forward(ids));
    auto greedy = testCase["greedy"].get<std::vector<std::int32_t>>();
    auto margins = testCase["greedy_margin"].get<std::vector<double>>();
    int compared = 0;
    for (std::size_t step = 0; step < greedy.size(); ++step) {
      if (margins[step] > 1e-3) {
        EXPECT_EQ(predicted, greedy[step]) << testCase["prompt"] << " step " << step;
        ++compared;
      }
      predicted = argmax(backend.forward(std::span(&greedy[step], 1)));
    }
    EXPECT_GT(compared, 0);
  }
}

void expectTopOneAgreement(Backend &backend, const std::string &goldenFile, double margin) {
  nlohmann::json reference = golden(goldenFile);
  const std::int64_t vocab = backend.config().vocabSize;
  int compared = 0;
  for (const auto &testCase : reference["cases"]) {
    std::vector<std::int32_t> ids = testCase["ids"].get<std::vector<std::int32_t>>();
    backend.reset();
    std::vector<float> logits = backend.forward(ids, /*allPositions=*/true);
    ASSERT_EQ(logits.size(), ids.size() * std::size_t(vocab));
    for (std::size_t position = 0; position < ids.size(); ++position) {
      auto topIds = testCase["top10_ids"][position].get<std::vector<std::int32_t>>();
      auto topLogits = testCase["top10_logits"][position].get<std::vector<double>>();
      if (topLogits[0] - topLogits[1] <= margin)
        continue;
      std::span<const float> row(logits.data() + position * vocab, std::size_t(vocab));
      EXPECT_EQ(argmax(row), topIds[0]) << testCase["prompt"] << " position " << position;
      ++compared;
    }

    backend.reset();
    std::int32_t predicted = argmax(backend.forward(ids));
    auto greedy = testCase["greedy"].get<std::vector<std::int32_t>>();
    auto margins = testCase["greedy_margin"].get<std::vector<double>>();
    for (std::size_t step = 0; step < greedy.size(); ++step) {
      if (margins[step] > margin) {
        EXPECT_EQ(predicted, greedy[step]) << testCase["prompt"] << " step " << step;
        ++compared;
      }
      predicted = argmax(backend.forward(std::span(&greedy[step], 1)));
    }
  }
  EXPECT_GT(compared, 0);
}

void expectMatchesMiniGreedy(Backend &backend) {
  nlohmann::json reference = golden("golden-mini-pydocs.json");
  for (const auto &testCase : reference["greedy"]) {
    auto prompt = testCase["prompt_ids"].get<std::vector<std::int32_t>>();
    auto expected = testCase["ids_with_40_greedy"].get<std::vector<std::int32_t>>();
    backend.reset();
    std::vector<std::int32_t> produced = prompt;
    std::vector<float> logits = backend.forward(prompt);
    while (produced.size() < expected.size()) {
      produced.push_back(argmax(logits));
      if (produced.size() < expected.size())
        logits = backend.forward(std::span(&produced.back(), 1));
    }
    EXPECT_EQ(produced, expected) << testCase["prompt"];
  }
}

} // namespace gpt2c::test
