#pragma once
// Compares a candidate backend with a reference backend on the same prompts: the
// logits of every prompt position, and greedy continuations. This is the quality
// gate for reduced-precision weights and for compiled executables.
#include "gpt2c/runtime/Backend.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gpt2c {

struct PromptComparison {
  std::vector<std::int32_t> prompt;
  double maxAbsDiff = 0;       // over every logit of every position
  double meanAbsDiff = 0;      // over every logit of every position
  double meanKlDivergence = 0; // KL(reference || candidate) per position, averaged
  double maxKlDivergence = 0;
  std::vector<bool> top1Agrees; // per position
  // Length of the common prefix of the two greedy continuations (of greedyTokens).
  std::int64_t greedyAgreement = 0;
};

struct ComparisonSummary {
  std::vector<PromptComparison> prompts;
  double maxAbsDiff = 0;
  double meanAbsDiff = 0;
  double meanKlDivergence = 0;
  double maxKlDivergence = 0;
  double top1Agreement = 0; // fraction of positions whose argmax agrees
  double meanGreedyAgreement = 0;
  std::int64_t greedyTokens = 0;
  // A JSON object with the summary and the per-prompt figures.
  std::string toJson() const;
};

ComparisonSummary compareBackends(Backend &reference, Backend &candidate,
                                  const std::vector<std::vector<std::int32_t>> &prompts,
                                  std::int64_t greedyTokens);

} // namespace gpt2c
