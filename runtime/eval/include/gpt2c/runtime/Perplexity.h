#pragma once
// Perplexity of a token sequence under a backend, in independent windows: window w
// feeds ids[W*w .. W*w + W - 1] and predicts ids[W*w + 1 .. W*w + W] (context
// restarts in every window; the last window is shorter). Every token but the first
// is predicted exactly once.
#include "gpt2c/runtime/Backend.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

namespace gpt2c {

struct PerplexityOptions {
  std::int64_t window = 1024;            // tokens fed per window, at most n_positions
  std::optional<std::int64_t> maxWindows; // only the first windows (fast checks)
  // Feed each window one token at a time through decode steps, instead of all its
  // positions at once: measures the decode executables (whose kernels may differ
  // from the scoring ones, e.g. int8 activations) on the same predictions.
  bool decodeSteps = false;
};

struct PerplexityResult {
  double perplexity = 0;
  double meanNegativeLogLikelihood = 0; // nats per predicted token
  std::int64_t tokensPredicted = 0;
  std::int64_t windows = 0;
  double seconds = 0;
};

// Called after each window with (windows done, windows in total).
using PerplexityProgress = std::function<void(std::int64_t, std::int64_t)>;

PerplexityResult measurePerplexity(Backend &backend, std::span<const std::int32_t> ids,
                                   const PerplexityOptions &options,
                                   const PerplexityProgress &progress = {});

} // namespace gpt2c
