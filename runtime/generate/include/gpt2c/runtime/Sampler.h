#pragma once
// Turning one row of logits (one score per vocabulary entry, V of them) into the
// next token.
//
// The algorithm, exactly (a seed and a logits sequence reproduce the tokens):
//  0. Logits may be -inf (an impossible token) but not NaN or +inf, and not all -inf.
//  1. Repetition penalty r (CTRL, Keskar et al. 2019, applied as Hugging Face does):
//     for every distinct token of the context, s = s / r when s > 0, else s = s * r.
//     Scores are doubles from here on.
//  2. Temperature T == 0 is greedy decoding: the token with the highest score, the
//     lowest id among ties. Nothing is drawn and the generator does not advance.
//     Otherwise scores become s / T.
//  3. Top-k (0 < k < V): rank tokens by score, highest first, lower id first among
//     equal scores; keep the first k (one pass with a k-entry heap, no sort).
//  4. Top-p (p < 1): take the softmax over the kept tokens; going down the ranking,
//     keep the shortest prefix whose probabilities add up to p (within 1e-12, so
//     that 0.5 + 0.3 reaches 0.8 despite rounding). Only that prefix is sorted:
//     tokens are split off by falling weight thresholds (std::partition).
//  5. Softmax in double over what is kept, computed as exp((s - s_max) / T) /
//     sum, which cannot overflow. Tokens whose probability is exactly 0 are dropped.
//  6. Inverse-CDF draw: u = Xoshiro256StarStar::nextDouble() (one draw per sampled
//     token), then walk the kept tokens in ascending id order adding up their
//     probabilities; the token is the first whose running sum exceeds u, or the
//     last one when rounding leaves the total at or below u.
#include <cstdint>
#include <span>
#include <vector>

#include "gpt2c/runtime/Random.h"

namespace gpt2c {

struct SamplingOptions {
  double temperature = 1.0;       // 0: greedy decoding
  std::int32_t topK = 40;         // 0: off. 40 as in OpenAI's GPT-2 sampling script
  double topP = 1.0;              // nucleus mass; 1: off
  double repetitionPenalty = 1.0; // 1: off
  std::uint64_t seed = 0;

  bool greedy() const { return temperature == 0.0; }
  // Throws gpt2c::Error naming the first invalid option and its valid range.
  void validate() const;
};

struct TokenProbability {
  std::int32_t id = 0;
  double probability = 0.0;
  bool operator==(const TokenProbability &) const = default;
};

class Sampler {
public:
  // Validates the options and seeds the generator with options.seed.
  explicit Sampler(const SamplingOptions &options);

  const SamplingOptions &options() const { return options_; }

  // The next token for one logits row. `context` is every token already in the
  // sequence (prompt and generated), used only by the repetition penalty.
  std::int32_t sample(std::span<const float> logits, std::span<const std::int32_t> context = {});

  // The distribution step 6 draws from: the kept tokens in ascending id order,
  // probabilities summing to 1 (greedy: the chosen token with probability 1).
  // Does not advance the generator.
  std::vector<TokenProbability> distribution(std::span<const float> logits,
                                             std::span<const std::int32_t> context = {}) const;

private:
  struct RankedToken {
    double score;
    double weight; // exp((score - max) / T)
    std::int32_t id;
  };

  // Steps 0 and 1 into scores_.
  void computeScores(std::span<const float> logits, std::span<const std::int32_t> context) const;
  // Steps 3 to 5 into distribution_, from scores_.
  void computeDistribution() const;

  SamplingOptions options_;
  Xoshiro256StarStar random_;
  // Buffers reused from token to token: a vocabulary-sized allocation per token
  // costs more than the arithmetic.
  mutable std::vector<double> scores_;
  mutable std::vector<bool> penalized_;
  mutable std::vector<RankedToken> kept_;
  mutable std::vector<TokenProbability> distribution_;
};

// The highest logit's id, the lowest id among ties (no penalty, no options).
std::int32_t greedyToken(std::span<const float> logits);

} // namespace gpt2c
