#pragma once
// Numerics on logits rows shared by perplexity measurement and backend
// comparisons. Everything is computed in double with the max subtracted first,
// so large logits neither overflow nor lose the small probabilities.
// Logits may be -inf (probability 0) but not NaN or +inf.
#include <cstdint>
#include <span>

namespace gpt2c {

// log softmax(logits)[target]: the natural log of the probability of `target`.
double logProbability(std::span<const float> logits, std::int32_t target);

// exp(-mean(logProbabilities)): the perplexity of a sequence given the log
// probability of each of its predicted tokens.
double perplexity(std::span<const double> logProbabilities);

struct LogitComparison {
  double maxAbsDiff = 0.0;  // max |p_i - q_i| over raw logits
  double meanAbsDiff = 0.0; // mean |p_i - q_i| over raw logits
  // KL(P || Q) = sum P_i (log P_i - log Q_i) of the two softmaxes, in nats; +inf
  // when Q gives probability 0 to a token P does not.
  double klDivergence = 0.0;
  std::int32_t top1Expected = 0; // argmax of `expected`, lowest id among ties
  std::int32_t top1Actual = 0;   // argmax of `actual`
  bool top1Agrees() const { return top1Expected == top1Actual; }
};

// Compares a row under test with a reference row of the same length; P is
// `expected`, Q `actual`. Differences between two -inf logits count as 0.
LogitComparison compareLogits(std::span<const float> expected, std::span<const float> actual);

} // namespace gpt2c
