// Log probabilities, perplexity and logit comparisons against hand-computed values.
#include "gpt2c/runtime/LogitMath.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace gpt2c {
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

TEST(LogitMath, LogProbabilityOfUniformLogitsIsMinusLogV) {
  EXPECT_NEAR(logProbability(std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f}, 2), -std::log(4.0), 1e-15);
}

TEST(LogitMath, LogProbabilityMatchesAHandComputation) {
  // log(e^3 / (e + e^2 + e^3)) = -log(1 + e^-1 + e^-2) = -log(1.50321472...) = -0.40760596...
  EXPECT_NEAR(logProbability(std::vector<float>{1.0f, 2.0f, 3.0f}, 2), -0.4076059644, 1e-9);
  EXPECT_NEAR(logProbability(std::vector<float>{1.0f, 2.0f, 3.0f}, 0), -2.4076059644, 1e-9);
}

TEST(LogitMath, LogProbabilityIsStableForLargeLogits) {
  // Naive exp(1000) overflows; the answer is exactly -log 2.
  EXPECT_NEAR(logProbability(std::vector<float>{1000.0f, 1000.0f}, 1), -std::log(2.0), 1e-15);
  // The tiny probability keeps its exponent instead of rounding to log(0).
  EXPECT_NEAR(logProbability(std::vector<float>{-1000.0f, 0.0f}, 0), -1000.0, 1e-9);
  EXPECT_EQ(logProbability(std::vector<float>{kMinusInf, 0.0f}, 0),
            -std::numeric_limits<double>::infinity());
  EXPECT_EQ(logProbability(std::vector<float>{kMinusInf, 0.0f}, 1), 0.0);
}

TEST(LogitMath, PerplexityIsTheExponentialOfTheMeanNegativeLogProbability) {
  EXPECT_NEAR(perplexity(std::vector<double>(5, -std::log(4.0))), 4.0, 1e-12);
  // exp(-(log 1/2 + log 1/8) / 2) = sqrt(16) = 4.
  EXPECT_NEAR(perplexity(std::vector<double>{std::log(0.5), std::log(0.125)}), 4.0, 1e-12);
  EXPECT_EQ(perplexity(std::vector<double>{0.0}), 1.0);
}

TEST(LogitMath, CompareIdenticalRowsFindsNoDifference) {
  const std::vector<float> row = {0.5f, -1.0f, 2.0f, kMinusInf};
  LogitComparison comparison = compareLogits(row, row);
  EXPECT_EQ(comparison.maxAbsDiff, 0.0);
  EXPECT_EQ(comparison.meanAbsDiff, 0.0);
  EXPECT_EQ(comparison.klDivergence, 0.0);
  EXPECT_EQ(comparison.top1Expected, 2);
  EXPECT_TRUE(comparison.top1Agrees());
}

TEST(LogitMath, ShiftedRowsHaveTheSameSoftmax) {
  const std::vector<float> expected = {0.5f, -1.0f, 2.0f};
  const std::vector<float> actual = {1.0f, -0.5f, 2.5f};
  LogitComparison comparison = compareLogits(expected, actual);
  EXPECT_NEAR(comparison.maxAbsDiff, 0.5, 1e-12);
  EXPECT_NEAR(comparison.meanAbsDiff, 0.5, 1e-12);
  EXPECT_NEAR(comparison.klDivergence, 0.0, 1e-12);
  EXPECT_TRUE(comparison.top1Agrees());
}

TEST(LogitMath, CompareMatchesAHandComputation) {
  // P = (1/2, 1/2), Q = (1/4, 3/4): KL = 1/2 log 2 + 1/2 log(2/3) = 1/2 log(4/3).
  const std::vector<float> expected = {0.0f, 0.0f};
  const std::vector<float> actual = {0.0f, static_cast<float>(std::log(3.0))};
  LogitComparison comparison = compareLogits(expected, actual);
  EXPECT_NEAR(comparison.klDivergence, 0.5 * std::log(4.0 / 3.0), 1e-7);
  EXPECT_NEAR(comparison.maxAbsDiff, std::log(3.0), 1e-7);
  EXPECT_NEAR(comparison.meanAbsDiff, std::log(3.0) / 2, 1e-7);
  EXPECT_EQ(comparison.top1Expected, 0); // a tie goes to the lower id
  EXPECT_EQ(comparison.top1Actual, 1);
  EXPECT_FALSE(comparison.top1Agrees());
}

TEST(LogitMath, KlDivergenceSumsEveryToken) {
  // P = (0.7, 0.2, 0.1), Q = (0.5, 0.25, 0.25):
  // 0.7 log 1.4 + 0.2 log 0.8 + 0.1 log 0.4 = 0.23553057 - 0.04462871 - 0.09162907.
  const std::vector<float> p = {std::log(0.7f), std::log(0.2f), std::log(0.1f)};
  const std::vector<float> q = {std::log(0.5f), std::log(0.25f), std::log(0.25f)};
  EXPECT_NEAR(compareLogits(p, q).klDivergence, 0.0992727821, 1e-6);
}

TEST(LogitMath, KlDivergenceIsInfiniteWhereQRulesOutWhatPAllows) {
  const std::vector<float> p = {0.0f, 0.0f};
  const std::vector<float> q = {0.0f, kMinusInf};
  EXPECT_EQ(compareLogits(p, q).klDivergence, std::numeric_limits<double>::infinity());
  // The other way round P_1 = 0 contributes nothing: KL = 1 * log(1 / (1/2)) = log 2.
  EXPECT_NEAR(compareLogits(q, p).klDivergence, std::log(2.0), 1e-12);
}

TEST(LogitMath, InvalidInputsAreRefused) {
  const std::vector<float> row = {0.0f, 1.0f};
  EXPECT_THROW(logProbability(row, 2), Error);
  EXPECT_THROW(logProbability(row, -1), Error);
  EXPECT_THROW(logProbability(std::vector<float>{}, 0), Error);
  EXPECT_THROW(logProbability(std::vector<float>{std::nanf(""), 0.0f}, 1), Error);
  EXPECT_THROW(perplexity(std::vector<double>{}), Error);
  EXPECT_THROW(perplexity(std::vector<double>{0.5}), Error);
  try {
    compareLogits(row, std::vector<float>{0.0f});
    ADD_FAILURE() << "rows of different lengths were compared";
  } catch (const Error &error) {
    EXPECT_STREQ(error.what(), "compare logits: the rows differ in length (2 expected, 1 actual)");
  }
  EXPECT_THROW(compareLogits(row, std::vector<float>{0.0f, std::numeric_limits<float>::infinity()}),
               Error);
}

} // namespace
} // namespace gpt2c
