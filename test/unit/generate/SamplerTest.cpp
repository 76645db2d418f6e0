// Sampling: greedy ties, seeds, top-k, top-p, temperature, repetition penalty, and
// frequencies against the softmax probabilities.
#include "gpt2c/runtime/Sampler.h"
#include "gpt2c/support/Error.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace gpt2c {
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

SamplingOptions withOptions(double temperature, std::int32_t topK, double topP = 1.0,
                            std::uint64_t seed = 1) {
  SamplingOptions options;
  options.temperature = temperature;
  options.topK = topK;
  options.topP = topP;
  options.seed = seed;
  return options;
}

// Logits whose softmax is exactly `probabilities`.
std::vector<float> logitsOf(const std::vector<double> &probabilities) {
  std::vector<float> logits;
  for (double probability : probabilities)
    logits.push_back(static_cast<float>(std::log(probability)));
  return logits;
}

std::vector<int> drawCounts(Sampler &sampler, std::span<const float> logits, int draws) {
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i)
    ++counts[sampler.sample(logits)];
  return counts;
}

// Pearson's chi-square statistic of observed counts against expected probabilities.
double chiSquare(const std::vector<int> &counts, const std::vector<double> &probabilities,
                 int draws) {
  double statistic = 0.0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double expected = probabilities[i] * draws;
    statistic += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  return statistic;
}

void expectDistribution(const std::vector<TokenProbability> &actual,
                        const std::vector<TokenProbability> &expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].id, expected[i].id) << "entry " << i;
    // Relative: logits are floats, so log(0.3) and its softmax carry ~1e-7 errors.
    EXPECT_NEAR(actual[i].probability, expected[i].probability, 1e-6 * expected[i].probability)
        << "entry " << i;
  }
}

std::string errorOf(const SamplingOptions &options) {
  try {
    options.validate();
  } catch (const Error &error) {
    return error.what();
  }
  return "";
}

TEST(Sampler, GreedyPicksTheArgmaxAndTheLowestIdAmongTies) {
  const std::vector<float> logits = {1.0f, 3.0f, 0.5f, 3.0f, -2.0f};
  EXPECT_EQ(greedyToken(logits), 1);
  Sampler sampler(withOptions(0.0, 40));
  EXPECT_EQ(sampler.sample(logits), 1);
  EXPECT_EQ(greedyToken(std::vector<float>{kMinusInf, -5.0f, -5.0f}), 1);
  expectDistribution(sampler.distribution(logits), {{1, 1.0}});
}

TEST(Sampler, TemperatureZeroIsGreedyWhateverTheSeed) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Sampler sampler(withOptions(0.0, 0, 0.5, seed));
    std::vector<float> logits(50);
    for (std::size_t i = 0; i < logits.size(); ++i)
      logits[i] = static_cast<float>((i * 37 + seed * 11) % 50); // a permutation of 0..49
    std::int32_t best = static_cast<std::int32_t>(
        std::find(logits.begin(), logits.end(), 49.0f) - logits.begin());
    EXPECT_EQ(sampler.sample(logits), best);
  }
}

TEST(Sampler, TopKOfOneIsGreedy) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Sampler sampler(withOptions(2.0, 1, 1.0, seed));
    EXPECT_EQ(sampler.sample(std::vector<float>{0.5f, 2.0f, 4.0f, 4.0f, 3.9f}), 2);
    EXPECT_EQ(sampler.sample(std::vector<float>{9.0f, 2.0f, 8.9f}), 0);
  }
}

TEST(Sampler, TheSameSeedReproducesTheSequenceAndAnotherSeedDoesNot) {
  const std::vector<float> flat(16, 0.0f);
  auto sequence = [&](std::uint64_t seed) {
    Sampler sampler(withOptions(1.0, 0, 1.0, seed));
    std::vector<std::int32_t> tokens;
    for (int i = 0; i < 40; ++i)
      tokens.push_back(sampler.sample(flat));
    return tokens;
  };
  std::vector<std::int32_t> first = sequence(1234);
  EXPECT_EQ(first, sequence(1234));
  EXPECT_NE(first, sequence(1235)); // equal with probability 16^-40
  EXPECT_GT(std::set<std::int32_t>(first.begin(), first.end()).size(), 5u);
}

TEST(Sampler, DrawsFollowTheDocumentedInverseCdf) {
  // Probabilities 1/4, 1/4, 1/2 in id order: u < 1/4 gives 0, u < 1/2 gives 1, else 2.
  const std::vector<float> logits = logitsOf({0.25, 0.25, 0.5});
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    double u = Xoshiro256StarStar(seed).nextDouble();
    std::int32_t expected = u < 0.25 ? 0 : u < 0.5 ? 1 : 2;
    Sampler sampler(withOptions(1.0, 0, 1.0, seed));
    EXPECT_EQ(sampler.sample(logits), expected) << "seed " << seed << ", u = " << u;
  }
}

TEST(Sampler, TopKNeverSamplesOutsideTheKBest) {
  // The three best are ids 4, 1 and 7, with probabilities 0.5, 0.3, 0.2 among themselves.
  std::vector<float> logits = {-3.0f, std::log(0.3f), -2.0f, -4.0f, std::log(0.5f),
                               -2.5f, -3.5f,          std::log(0.2f), -2.2f, -5.0f};
  Sampler sampler(withOptions(1.0, 3));
  expectDistribution(sampler.distribution(logits), {{1, 0.3}, {4, 0.5}, {7, 0.2}});
  std::vector<int> counts = drawCounts(sampler, logits, 3000);
  for (std::size_t id = 0; id < counts.size(); ++id) {
    if (id == 1 || id == 4 || id == 7)
      EXPECT_GT(counts[id], 0) << "token " << id;
    else
      EXPECT_EQ(counts[id], 0) << "token " << id;
  }
}

TEST(Sampler, TopKOverAGpt2SizedVocabularyBreaksTiesByLowerId) {
  // 7181 tokens share the highest logit; top-40 keeps the 40 with the lowest ids.
  std::vector<float> logits(50257, 0.0f);
  for (std::size_t id = 0; id < logits.size(); id += 7)
    logits[id] = 1.0f;
  Sampler sampler(withOptions(1.0, 40));
  std::vector<TokenProbability> expected;
  for (std::int32_t i = 0; i < 40; ++i)
    expected.push_back({7 * i, 1.0 / 40});
  expectDistribution(sampler.distribution(logits), expected);
}

TEST(Sampler, TopPKeepsTheSmallestSetWhoseMassReachesP) {
  // By probability: id 1 (0.5), id 3 (0.3), id 0 (0.15), id 2 (0.05).
  const std::vector<float> logits = logitsOf({0.15, 0.5, 0.05, 0.3});
  auto nucleus = [&](double topP) { return Sampler(withOptions(1.0, 0, topP)).distribution(logits); };
  expectDistribution(nucleus(0.4), {{1, 1.0}});
  expectDistribution(nucleus(0.5), {{1, 1.0}});
  expectDistribution(nucleus(0.75), {{1, 0.625}, {3, 0.375}});
  expectDistribution(nucleus(0.8), {{1, 0.625}, {3, 0.375}});
  expectDistribution(nucleus(0.81), {{0, 0.15 / 0.95}, {1, 0.5 / 0.95}, {3, 0.3 / 0.95}});
  expectDistribution(nucleus(1.0), {{0, 0.15}, {1, 0.5}, {2, 0.05}, {3, 0.3}});

  Sampler sampler(withOptions(1.0, 0, 0.75, 99));
  std::vector<int> counts = drawCounts(sampler, logits, 4000);
  EXPECT_EQ(counts[0] + counts[2], 0);
  EXPECT_NEAR(counts[1] / 4000.0, 0.625, 0.03);
}

TEST(Sampler, TopPStopsAsSoonAsTheMassIsReachedExactly) {
  // Four equal tokens: exactly 1/4 each, so p = 1/2 is reached by two of them,
  // the lower ids first among the tied.
  const std::vector<float> uniform(4, 0.0f);
  expectDistribution(Sampler(withOptions(1.0, 0, 0.5)).distribution(uniform),
                     {{0, 0.5}, {1, 0.5}});
  expectDistribution(Sampler(withOptions(1.0, 0, 0.75)).distribution(uniform),
                     {{0, 1.0 / 3}, {1, 1.0 / 3}, {2, 1.0 / 3}});
  expectDistribution(Sampler(withOptions(1.0, 0, 0.26)).distribution(uniform),
                     {{0, 0.5}, {1, 0.5}});
}

TEST(Sampler, TopPOverAGpt2SizedVocabularyMatchesAFullSort) {
  // Many tied scores and a long tail; the reference ranks everything with one sort.
  std::vector<float> logits(50257);
  for (std::size_t id = 0; id < logits.size(); ++id)
    logits[id] = -0.05f * static_cast<float>((id * 7919) % 211);
  std::vector<std::int32_t> byRank(logits.size());
  for (std::size_t id = 0; id < byRank.size(); ++id)
    byRank[id] = static_cast<std::int32_t>(id);
  std::sort(byRank.begin(), byRank.end(), [&](std::int32_t a, std::int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  double total = 0.0;
  for (float logit : logits)
    total += std::exp(static_cast<double>(logit));

  for (double topP : {0.01, 0.3, 0.9, 0.999}) {
    std::vector<TokenProbability> expected;
    double mass = 0.0;
    for (std::size_t rank = 0; rank < byRank.size() && mass < topP; ++rank) {
      double probability = std::exp(static_cast<double>(logits[byRank[rank]])) / total;
      mass += probability;
      expected.push_back({byRank[rank], probability});
    }
    for (TokenProbability &entry : expected)
      entry.probability /= mass;
    std::sort(expected.begin(), expected.end(),
              [](const TokenProbability &a, const TokenProbability &b) { return a.id < b.id; });
    SCOPED_TRACE(testing::Message() << "top-p " << topP << ", " << expected.size() << " kept");
    expectDistribution(Sampler(withOptions(1.0, 0, topP)).distribution(logits), expected);
  }
}

TEST(Sampler, TopPAppliesToTheTopKSurvivors) {
  // Top-2 leaves ids 1 and 3 with 0.625 and 0.375; top-p 0.6 then keeps id 1 only.
  const std::vector<float> logits = logitsOf({0.15, 0.5, 0.05, 0.3});
  expectDistribution(Sampler(withOptions(1.0, 2, 0.6)).distribution(logits), {{1, 1.0}});
  expectDistribution(Sampler(withOptions(1.0, 2, 0.7)).distribution(logits),
                     {{1, 0.625}, {3, 0.375}});
}

TEST(Sampler, FrequenciesMatchTheSoftmaxProbabilities) {
  const std::vector<float> logits = {0.0f, 1.0f, -0.5f, 2.0f, 0.3f};
  constexpr int kDraws = 20000;
  // 18.47 is the 0.999 quantile of chi-square with 4 degrees of freedom.
  constexpr double kCriticalValue = 18.47;
  for (double temperature : {1.0, 2.0, 0.5}) {
    std::vector<double> probabilities;
    double total = 0.0;
    for (float logit : logits)
      total += std::exp(logit / temperature);
    for (float logit : logits)
      probabilities.push_back(std::exp(logit / temperature) / total);

    Sampler sampler(withOptions(temperature, 0, 1.0, 2024));
    std::vector<int> counts = drawCounts(sampler, logits, kDraws);
    EXPECT_LT(chiSquare(counts, probabilities, kDraws), kCriticalValue)
        << "temperature " << temperature;
  }
}

TEST(Sampler, MinusInfinityLogitsAreNeverSampled) {
  const std::vector<float> logits = {kMinusInf, 0.0f, kMinusInf, 0.0f};
  Sampler sampler(withOptions(1.0, 0));
  expectDistribution(sampler.distribution(logits), {{1, 0.5}, {3, 0.5}});
  std::vector<int> counts = drawCounts(sampler, logits, 1000);
  EXPECT_EQ(counts[0] + counts[2], 0);
}

TEST(Sampler, TinyTemperaturesDoNotOverflow) {
  Sampler sampler(withOptions(1e-300, 0));
  expectDistribution(sampler.distribution(std::vector<float>{100.0f, 101.0f, -100.0f}),
                     {{1, 1.0}});
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplingOptions options = withOptions(0.0, 0);
  options.repetitionPenalty = 2.0;
  Sampler penalized(options);
  const std::vector<float> logits = {2.0f, 1.5f, -1.0f, -1.2f};
  const std::int32_t seenZero[] = {0};
  EXPECT_EQ(Sampler(withOptions(0.0, 0)).sample(logits, seenZero), 0);
  EXPECT_EQ(penalized.sample(logits, seenZero), 1); // 2.0 / 2 = 1.0 < 1.5

  // -1.0 * 2 = -2.0 falls below -1.5.
  const std::vector<float> negative = {-1.0f, -1.5f};
  EXPECT_EQ(penalized.sample(negative, seenZero), 1);

  // A penalty below 1 favours repeats: 1.0 / 0.5 = 2.0 > 1.5.
  options.repetitionPenalty = 0.5;
  EXPECT_EQ(Sampler(options).sample(std::vector<float>{1.0f, 1.5f}, seenZero), 0);

  // Applied once per distinct token however often it occurs: scores 1.0, 1.5, -2.0, -1.2.
  options = withOptions(1.0, 0);
  options.repetitionPenalty = 2.0;
  const std::int32_t context[] = {0, 2, 0, 0, 2};
  const double total = std::exp(1.0) + std::exp(1.5) + std::exp(-2.0) + std::exp(-1.2);
  expectDistribution(Sampler(options).distribution(logits, context),
                     {{0, std::exp(1.0) / total},
                      {1, std::exp(1.5) / total},
                      {2, std::exp(-2.0) / total},
                      {3, std::exp(-1.2) / total}});
}

TEST(Sampler, InvalidOptionsAreRefusedWithTheirRange) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(errorOf(SamplingOptions{}), "");
  EXPECT_NE(errorOf(withOptions(-0.5, 40)).find("temperature = -0.5 must be"), std::string::npos);
  EXPECT_NE(errorOf(withOptions(nan, 40)).find("temperature = nan"), std::string::npos);
  EXPECT_NE(errorOf(withOptions(inf, 40)).find("temperature = inf"), std::string::npos);
  EXPECT_NE(errorOf(withOptions(1.0, -1)).find("top-k = -1 must be >= 0"), std::string::npos);
  EXPECT_NE(errorOf(withOptions(1.0, 40, 0.0)).find("top-p = 0 must be in (0, 1]"),
            std::string::npos);
  EXPECT_NE(errorOf(withOptions(1.0, 40, 1.5)).find("top-p = 1.5"), std::string::npos);
  EXPECT_NE(errorOf(withOptions(1.0, 40, nan)).find("top-p = nan"), std::string::npos);
  for (double penalty : {0.0, -1.0, nan, inf}) {
    SamplingOptions options;
    options.repetitionPenalty = penalty;
    EXPECT_NE(errorOf(options).find("repetition penalty"), std::string::npos) << penalty;
  }
  EXPECT_THROW(Sampler(withOptions(-1.0, 0)), Error);
}

TEST(Sampler, InvalidLogitsAreRefused) {
  Sampler sampler(withOptions(1.0, 40));
  auto errorOfSample = [&](std::vector<float> logits, std::vector<std::int32_t> context = {}) {
    try {
      sampler.sample(logits, context);
    } catch (const Error &error) {
      return std::string(error.what());
    }
    return std::string();
  };
  EXPECT_NE(errorOfSample({}).find("logits row is empty"), std::string::npos);
  EXPECT_NE(errorOfSample({0.0f, std::nanf("")}).find("token 1 is NaN"), std::string::npos);
  EXPECT_NE(errorOfSample({std::numeric_limits<float>::infinity()}).find("token 0 is +inf"),
            std::string::npos);
  EXPECT_NE(errorOfSample({kMinusInf, kMinusInf}).find("every logit is -inf"), std::string::npos);

  SamplingOptions options = withOptions(1.0, 0);
  options.repetitionPenalty = 1.2;
  Sampler penalized(options);
  const std::int32_t outside[] = {0, 3};
  try {
    penalized.sample(std::vector<float>{0.0f, 1.0f, 2.0f}, outside);
    ADD_FAILURE() << "a context token outside the vocabulary was accepted";
  } catch (const Error &error) {
    EXPECT_NE(std::string(error.what()).find("context token 3 at position 1 is outside"),
              std::string::npos)
        << error.what();
  }
}

// greedyToken scans the row with integer keys: it must pick what std::max_element
// picks (the first of equal maxima, -0 equal to +0) over rows of every sign, and
// refuse NaN and +inf wherever they sit, negative NaNs included.
TEST(Sampler, GreedyMatchesMaxElementAndRefusesBadRowsAnywhere) {
  std::uint64_t state = 7;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull; };
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<float> logits(std::size_t(1 + next() % 3000));
    for (float &logit : logits) // few distinct values: many ties, negatives, zeros
      logit = float(std::int64_t(next() >> 60) - 8) * (trial % 2 ? 0.5f : -0.25f);
    if (trial % 5 == 0)
      logits[std::size_t(next() % logits.size())] = -0.0f;
    std::size_t expected = std::size_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    ASSERT_EQ(greedyToken(logits), std::int32_t(expected)) << "trial " << trial;
  }
  EXPECT_EQ(greedyToken(std::vector<float>{-0.0f, 0.0f, -1.0f}), 0);
  EXPECT_EQ(greedyToken(std::vector<float>{-3.0f, kMinusInf, -2.5f, -2.5f}), 2);
  std::vector<float> row(50257, -1.0f);
  for (float bad : {std::nanf(""), -std::nanf(""), std::numeric_limits<float>::infinity()}) {
    for (std::size_t at : {std::size_t(0), std::size_t(17), row.size() - 1}) {
      std::vector<float> logits = row;
      logits[at] = bad;
      try {
        greedyToken(logits);
        ADD_FAILURE() << "a row with " << bad << " at " << at << " was accepted";
      } catch (const Error &error) {
        EXPECT_NE(std::string(error.what()).find(fmt::format("token {} is", at)), std::string::npos)
            << error.what();
      }
    }
  }
}

} // namespace
} // namespace gpt2c
