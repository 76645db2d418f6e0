#include "gpt2c/runtime/Sampler.h"

#include "gpt2c/support/Error.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace gpt2c {
namespace {

constexpr float kPlusInf = std::numeric_limits<float>::infinity();

// An int32 ordered like the floats it comes from, for every value but NaN (-0 just
// below +0): the sign bit kept, the other bits of negatives flipped.
std::int32_t orderKey(std::uint32_t bits) {
  auto value = static_cast<std::int32_t>(bits);
  return value ^ ((value >> 31) & 0x7fffffff);
}

// One pass over the row in integer operations only, which the compiler
// vectorises (the float comparisons of a NaN-aware maximum it may not): the
// largest order key, and whether any value is NaN or +inf. Checking and taking the
// argmax with scalar loops cost about 140 us per 50257 logits, a third of a
// 124M decode step on the GPU.
struct LogitsScan {
  std::int32_t maxKey = std::numeric_limits<std::int32_t>::min();
  bool nanOrPlusInf = false;
};
LogitsScan scanLogits(std::span<const float> logits) {
  constexpr std::uint32_t kInfBits = 0x7f800000u, kMinusInfBits = 0xff800000u;
  std::int32_t maxKey = std::numeric_limits<std::int32_t>::min();
  std::uint32_t suspicious = 0;
  for (float logit : logits) {
    auto bits = std::bit_cast<std::uint32_t>(logit);
    maxKey = std::max(maxKey, orderKey(bits));
    suspicious |= std::uint32_t((bits & 0x7fffffffu) >= kInfBits) & std::uint32_t(bits != kMinusInfBits);
  }
  return {maxKey, suspicious != 0};
}

// The detailed checks, with the message naming the first offending token.
[[noreturn]] void failOnLogits(std::span<const float> logits) {
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
  fail("sampling: the logits passed the detailed checks but not the scan"); // unreachable
}

// Refuses an empty row, NaN, +inf or every logit -inf; returns the largest logit.
float checkLogits(std::span<const float> logits) {
  if (logits.empty())
    fail("sampling: the logits row is empty");
  if (logits.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    fail("sampling: {} logits are more than int32 token ids can address", logits.size());
  LogitsScan scan = scanLogits(logits);
  if (scan.nanOrPlusInf || scan.maxKey == orderKey(std::bit_cast<std::uint32_t>(-kPlusInf)))
    failOnLogits(logits);
  return std::bit_cast<float>(static_cast<std::uint32_t>(orderKey(std::uint32_t(scan.maxKey))));
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
  const float largest = checkLogits(logits);
  // The first logit equal to the largest: the lowest id among ties (-0 and +0 equal,
  // as for std::max_element). Blocks of 64 compared without a branch per element
  // (vectorised), then the block that holds it element by element.
  constexpr std::size_t kBlock = 64;
  std::size_t start = 0;
  for (; start + kBlock <= logits.size(); start += kBlock) {
    std::uint32_t found = 0;
    for (std::size_t i = start; i < start + kBlock; ++i)
      found |= std::uint32_t(logits[i] == largest);
    if (found)
      break;
  }
  return static_cast<std::int32_t>(std::find(logits.begin() + std::ptrdiff_t(start), logits.end(),
                                             largest) -
                                   logits.begin());
}

} // namespace gpt2c
