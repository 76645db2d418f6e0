#include "gpt2c/runtime/Sampler.h"

#include "gpt2c/support/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gpt2c {
namespace {

struct Candidate {
  double score;
  std::int32_t id;
};

// Highest score first; lower id first among equal scores, so every choice is unique.
bool ranksBefore(const Candidate &a, const Candidate &b) {
  return a.score > b.score || (a.score == b.score && a.id < b.id);
}

void checkLogits(std::span<const float> logits) {
  if (logits.empty())
    fail("sampling: the logits row is empty");
  if (logits.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    fail("sampling: {} logits are more than int32 token ids can address", logits.size());
  bool anyPossible = false;
  for (std::size_t id = 0; id < logits.size(); ++id) {
    float logit = logits[id];
    if (std::isnan(logit))
      fail("sampling: the logit of token {} is NaN", id);
    if (logit == std::numeric_limits<float>::infinity())
      fail("sampling: the logit of token {} is +inf", id);
    anyPossible = anyPossible || logit != -std::numeric_limits<float>::infinity();
  }
  if (!anyPossible)
    fail("sampling: every logit is -inf, no token can be chosen");
}

// Step 1: the logits as doubles, with the repetition penalty applied once per
// distinct context token.
std::vector<double> penalizedScores(std::span<const float> logits,
                                    std::span<const std::int32_t> context, double penalty) {
  checkLogits(logits);
  std::vector<double> scores(logits.begin(), logits.end());
  if (penalty == 1.0 || context.empty())
    return scores;
  const std::int64_t vocabSize = static_cast<std::int64_t>(logits.size());
  std::vector<bool> penalized(logits.size(), false);
  for (std::size_t position = 0; position < context.size(); ++position) {
    std::int32_t id = context[position];
    if (id < 0 || id >= vocabSize)
      fail("sampling: context token {} at position {} is outside the vocabulary of {} tokens",
           id, position, vocabSize);
    if (penalized[id])
      continue;
    penalized[id] = true;
    double &score = scores[id];
    score = score > 0.0 ? score / penalty : score * penalty;
  }
  // A huge penalty can overflow the only finite negative scores to -inf.
  if (std::ranges::none_of(scores, [](double score) { return std::isfinite(score); }))
    fail("sampling: the repetition penalty {} drove every score to -inf", penalty);
  return scores;
}

std::int32_t argmax(const std::vector<double> &scores) {
  // max_element keeps the first of equal maxima: the lowest id.
  return static_cast<std::int32_t>(std::max_element(scores.begin(), scores.end()) -
                                   scores.begin());
}

// Steps 3 to 5 for temperature > 0.
std::vector<TokenProbability> truncatedSoftmax(const std::vector<double> &scores,
                                               const SamplingOptions &options) {
  const std::size_t vocabSize = scores.size();
  std::vector<Candidate> kept(vocabSize);
  for (std::size_t id = 0; id < vocabSize; ++id)
    kept[id] = {scores[id], static_cast<std::int32_t>(id)};

  bool truncated = false;
  if (options.topK > 0 && static_cast<std::size_t>(options.topK) < vocabSize) {
    auto boundary = kept.begin() + options.topK;
    std::nth_element(kept.begin(), boundary, kept.end(), ranksBefore);
    kept.erase(boundary, kept.end());
    truncated = true;
  }

  const bool nucleus = options.topP < 1.0;
  if (nucleus)
    std::sort(kept.begin(), kept.end(), ranksBefore);
  double maxScore = -std::numeric_limits<double>::infinity();
  for (const Candidate &candidate : kept)
    maxScore = std::max(maxScore, candidate.score);

  // Unnormalised softmax weights, reusing the score slot.
  double total = 0.0;
  for (Candidate &candidate : kept) {
    candidate.score = std::exp((candidate.score - maxScore) / options.temperature);
    total += candidate.score;
  }

  if (nucleus) {
    constexpr double kRoundingSlack = 1e-12;
    double mass = 0.0;
    std::size_t count = 0;
    while (count < kept.size()) {
      mass += kept[count++].score / total;
      if (mass >= options.topP - kRoundingSlack)
        break;
    }
    if (count < kept.size()) {
      kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(count), kept.end());
      truncated = true;
      total = 0.0;
      for (const Candidate &candidate : kept)
        total += candidate.score;
    }
  }

  if (truncated || nucleus)
    std::sort(kept.begin(), kept.end(),
              [](const Candidate &a, const Candidate &b) { return a.id < b.id; });
  std::vector<TokenProbability> distribution;
  distribution.reserve(kept.size());
  for (const Candidate &candidate : kept)
    if (candidate.score > 0.0)
      distribution.push_back({candidate.id, candidate.score / total});
  return distribution;
}

} // namespace

void SamplingOptions::validate() const {
  if (!(std::isfinite(temperature) && temperature >= 0.0))
    fail("sampling: temperature = {} must be a finite number >= 0 (0 means greedy)", temperature);
  if (topK < 0)
    fail("sampling: top-k = {} must be >= 0 (0 turns it off)", topK);
  if (!(topP > 0.0 && topP <= 1.0))
    fail("sampling: top-p = {} must be in (0, 1] (1 turns it off)", topP);
  if (!(std::isfinite(repetitionPenalty) && repetitionPenalty > 0.0))
    fail("sampling: repetition penalty = {} must be a finite number > 0 (1 turns it off)",
         repetitionPenalty);
}

Sampler::Sampler(const SamplingOptions &options) : options_(options), random_(options.seed) {
  options_.validate();
}

std::vector<TokenProbability> Sampler::distribution(std::span<const float> logits,
                                                    std::span<const std::int32_t> context) const {
  std::vector<double> scores = penalizedScores(logits, context, options_.repetitionPenalty);
  if (options_.greedy())
    return {{argmax(scores), 1.0}};
  return truncatedSoftmax(scores, options_);
}

std::int32_t Sampler::sample(std::span<const float> logits,
                             std::span<const std::int32_t> context) {
  if (options_.greedy())
    return argmax(penalizedScores(logits, context, options_.repetitionPenalty));
  std::vector<TokenProbability> kept = distribution(logits, context);
  const double threshold = random_.nextDouble();
  double cumulative = 0.0;
  for (const TokenProbability &token : kept) {
    cumulative += token.probability;
    if (threshold < cumulative)
      return token.id;
  }
  return kept.back().id;
}

std::int32_t greedyToken(std::span<const float> logits) {
  return argmax(penalizedScores(logits, {}, 1.0));
}

} // namespace gpt2c
