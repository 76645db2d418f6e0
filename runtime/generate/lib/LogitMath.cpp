#include "gpt2c/runtime/LogitMath.h"

#include "gpt2c/support/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

namespace gpt2c {
namespace {

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

void checkRow(std::span<const float> logits, std::string_view what) {
  if (logits.empty())
    fail("{}: the logits row is empty", what);
  bool anyPossible = false;
  for (std::size_t id = 0; id < logits.size(); ++id) {
    if (std::isnan(logits[id]))
      fail("{}: the logit of token {} is NaN", what, id);
    if (logits[id] == std::numeric_limits<float>::infinity())
      fail("{}: the logit of token {} is +inf", what, id);
    anyPossible = anyPossible || logits[id] != -std::numeric_limits<float>::infinity();
  }
  if (!anyPossible)
    fail("{}: every logit is -inf, the softmax is undefined", what);
}

// The log-softmax of a row checkRow accepted is (logit - max) - logSumShifted:
// keeping the max out of the sum avoids adding and removing a large number.
struct LogSoftmax {
  double max;
  double logSumShifted; // log sum exp(logit - max)
  double at(double logit) const { return (logit - max) - logSumShifted; }
};

LogSoftmax logSoftmaxOf(std::span<const float> logits) {
  const double max = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (float logit : logits)
    sum += std::exp(static_cast<double>(logit) - max);
  return {max, std::log(sum)};
}

std::int32_t argmax(std::span<const float> logits) {
  return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) -
                                   logits.begin());
}

} // namespace

double logProbability(std::span<const float> logits, std::int32_t target) {
  checkRow(logits, "log probability");
  if (target < 0 || static_cast<std::size_t>(target) >= logits.size())
    fail("log probability: target token {} is outside the vocabulary of {} tokens", target,
         logits.size());
  if (logits[target] == -std::numeric_limits<float>::infinity())
    return kMinusInfinity;
  return logSoftmaxOf(logits).at(logits[target]);
}

double perplexity(std::span<const double> logProbabilities) {
  if (logProbabilities.empty())
    fail("perplexity: no token log probabilities were given");
  double sum = 0.0;
  for (std::size_t index = 0; index < logProbabilities.size(); ++index) {
    if (std::isnan(logProbabilities[index]) || logProbabilities[index] > 0.0)
      fail("perplexity: log probability {} = {} is not a log probability (NaN or above 0)",
           index, logProbabilities[index]);
    sum += logProbabilities[index];
  }
  return std::exp(-sum / static_cast<double>(logProbabilities.size()));
}

LogitComparison compareLogits(std::span<const float> expected, std::span<const float> actual) {
  if (expected.size() != actual.size())
    fail("compare logits: the rows differ in length ({} expected, {} actual)", expected.size(),
         actual.size());
  checkRow(expected, "compare logits (expected)");
  checkRow(actual, "compare logits (actual)");

  LogitComparison comparison;
  const LogSoftmax expectedLog = logSoftmaxOf(expected);
  const LogSoftmax actualLog = logSoftmaxOf(actual);
  double absDiffSum = 0.0;
  for (std::size_t id = 0; id < expected.size(); ++id) {
    const double p = expected[id];
    const double q = actual[id];
    const double absDiff = p == q ? 0.0 : std::abs(p - q); // -inf == -inf gives 0, not NaN
    comparison.maxAbsDiff = std::max(comparison.maxAbsDiff, absDiff);
    absDiffSum += absDiff;

    const double logP = expectedLog.at(p);
    const double probabilityP = std::exp(logP);
    if (probabilityP == 0.0)
      continue; // P_i = 0 contributes nothing, whatever Q_i is
    comparison.klDivergence += probabilityP * (logP - actualLog.at(q));
  }
  comparison.meanAbsDiff = absDiffSum / static_cast<double>(expected.size());
  // Rounding can leave a tiny negative sum for nearly equal rows; KL is never negative.
  comparison.klDivergence = std::max(comparison.klDivergence, 0.0);
  comparison.top1Expected = argmax(expected);
  comparison.top1Actual = argmax(actual);
  return comparison;
}

} // namespace gpt2c
