#pragma once
// The interface every GPT-2 executor implements: the reference interpreter, and
// the compiled CPU and GPU executables. The generation loop, perplexity and logit
// comparisons are written against it only.
#include "gpt2c/checkpoint/ModelConfig.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace gpt2c {

class Backend {
public:
  virtual ~Backend() = default;

  virtual const ModelConfig &config() const = 0;
  // One line naming the executor and the model, e.g. "interpreter f32, synthetic:gpt2:1".
  virtual std::string describe() const = 0;

  // Forgets the sequence: the next forward() starts at position 0.
  virtual void reset() = 0;
  // Tokens already in the KV cache (P).
  virtual std::int64_t pastLength() const = 0;

  // Appends `tokens` (at least one; pastLength() + tokens.size() <= n_positions) to
  // the sequence, runs them through the model, and returns float32 logits: the
  // last position's row of vocab_size values, or with `allPositions` one row per
  // token, row after row. Throws gpt2c::Error on invalid input.
  virtual std::vector<float> forward(std::span<const std::int32_t> tokens,
                                     bool allPositions = false) = 0;
};

} // namespace gpt2c
