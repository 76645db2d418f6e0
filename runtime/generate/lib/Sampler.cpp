#include "gpt2c/runtime/Sampler.h"

#include "gpt2c/support/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gpt2c {
namespace {

constexpr float kPlusInf = std::numeric_limits<float>::infinity();

void checkLogits(std::span<const float> logits) {
  if (logits.empty())
    fail("sampling: the logits row is empty");
  if (logits.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    fail("sampling: {} logits are more than int32 token ids can address", logits.size());
  bool anyPossible = false;
  for (std::size_t id = 0; id < logits.size(); ++id) {
    const float logit = logits[id];
    if (std::isnan(logit))
      fail("sampling: the logit of token {} is NaN", id);
    if (logit == kPlusInf)
      fail("sampling: the logit of token {} is +inf", id);
    anyPossible = anyPossible || logit != -kPlusInf;
  }
  if (!anyPossible)
    fail("sampling: every logit is -inf, no token can be chosen");
}

std::int32_t argmax(std::span<const double> scores) {
  // max_element keeps the first of equal maxima: the lowest id.
  return static_cast<std::int32_t>(std::max_element(scores.begin(), scores.end()) -
                                   scores.begin());
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

void Sampler::computeScores(std::span<const float> logits,
                            std::span<const std::int32_t> context) const {
  checkLogits(logits);
  scores_.assign(logits.begin(), logits.end());
  const double penalty = options_.repetitionPenalty;
  if (penalty == 1.0 || context.empty())
    return;
  const auto vocabSize = static_cast<std::int64_t>(logits.size());
  penalized_.assign(logits.size(), false);
  for (std::size_t position = 0; position < context.size(); ++position) {
    const std::int32_t id = context[position];
    if (id < 0 || id >= vocabSize)
      fail("sampling: context token {} at position {} is outside the vocabulary of {} tokens",
           id, position, vocabSize);
    if (penalized_[id])
      continue; // once per distinct token, however often it occurs
    penalized_[id] = true;
    double &score = scores_[id];
    score = score > 0.0 ? score / penalty : score * penalty;
  }
  // A huge penalty can overflow the only finite negative scores to -inf.
  if (std::ranges::none_of(scores_, [](double score) { return std::isfinite(score); }))
    fail("sampling: the repetition penalty {} drove every score to -inf", penalty);
}

void Sampler::computeDistribution() const {
  // Highest score first, lower id first among equal scores: a strict total order.
  auto ranksBefore = [](const RankedToken &a, const RankedToken &b) {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
  };
  const std::size_t vocabSize = scores_.size();
  const std::size_t topK = options_.topK > 0 ? static_cast<std::size_t>(options_.topK) : 0;
  kept_.clear();
  if (topK > 0 && topK < vocabSize) {
    // A heap of the k best so far whose front is the worst of them.
    for (std::size_t id = 0; id < vocabSize; ++id) {
      const RankedToken token{scores_[id], 0.0, static_cast<std::int32_t>(id)};
      if (kept_.size() < topK) {
        kept_.push_back(token);
        std::push_heap(kept_.begin(), kept_.end(), ranksBefore);
      } else if (ranksBefore(token, kept_.front())) {
        std::pop_heap(kept_.begin(), kept_.end(), ranksBefore);
        kept_.back() = token;
        std::push_heap(kept_.begin(), kept_.end(), ranksBefore);
      }
    }
  } else {
    kept_.reserve(vocabSize);
    for (std::size_t id = 0; id < vocabSize; ++id)
      kept_.push_back({scores_[id], 0.0, static_cast<std::int32_t>(id)});
  }

  double maxScore = -std::numeric_limits<double>::infinity();
  for (const RankedToken &token : kept_)
    maxScore = std::max(maxScore, token.score);
  double total = 0.0;
  for (RankedToken &token : kept_) {
    token.weight = std::exp((token.score - maxScore) / options_.temperature);
    total += token.weight;
  }

  if (options_.topP < 1.0) {
    // Only the head of the ranking is ordered. Weights grow with scores, so the
    // tokens weighing at least a threshold rank before all others: split them off
    // with a partition, sort them, and lower the threshold until the mass is reached.
    constexpr double kRoundingSlack = 1e-12;
    const double target = options_.topP - kRoundingSlack;
    double threshold = 1.0; // the best token weighs exactly 1
    std::size_t ranked = 0;
    double mass = 0.0;
    bool reached = false;
    while (!reached && ranked < kept_.size()) {
      const auto partBegin = kept_.begin() + static_cast<std::ptrdiff_t>(ranked);
      const auto partEnd = std::partition(partBegin, kept_.end(), [&](const RankedToken &token) {
        return token.weight >= threshold;
      });
      std::sort(partBegin, partEnd, ranksBefore);
      for (auto token = partBegin; token != partEnd && !reached; ++token, ++ranked) {
        mass += token->weight / total;
        reached = mass >= target;
      }
      threshold = threshold > 0x1.0p-64 ? threshold / 16 : 0.0;
    }
    if (ranked < kept_.size()) {
      kept_.resize(ranked);
      total = 0.0;
      for (const RankedToken &token : kept_)
        total += token.weight;
    }
    std::sort(kept_.begin(), kept_.end(),
              [](const RankedToken &a, const RankedToken &b) { return a.id < b.id; });
  } else if (kept_.size() < vocabSize) {
    std::sort(kept_.begin(), kept_.end(),
              [](const RankedToken &a, const RankedToken &b) { return a.id < b.id; });
  }

  distribution_.clear();
  for (const RankedToken &token : kept_)
    if (token.weight > 0.0)
      distribution_.push_back({token.id, token.weight / total});
}

std::vector<TokenProbability> Sampler::distribution(std::span<const float> logits,
                                                    std::span<const std::int32_t> context) const {
  computeScores(logits, context);
  if (options_.greedy())
    return {{argmax(scores_), 1.0}};
  computeDistribution();
  return distribution_;
}

std::int32_t Sampler::sample(std::span<const float> logits,
                             std::span<const std::int32_t> context) {
  if (options_.greedy() && options_.repetitionPenalty == 1.0)
    return greedyToken(logits); // no scores to change: skip the copy
  computeScores(logits, context);
  if (options_.greedy())
    return argmax(scores_);
  computeDistribution();
  const double threshold = random_.nextDouble();
  double cumulative = 0.0;
  for (const TokenProbability &token : distribution_) {
    cumulative += token.probability;
    if (threshold < cumulative)
      return token.id;
  }
  return distribution_.back().id;
}

std::int32_t greedyToken(std::span<const float> logits) {
  checkLogits(logits);
  // max_element keeps the first of equal maxima: the lowest id.
  return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) -
                                   logits.begin());
}

} // namespace gpt2c
