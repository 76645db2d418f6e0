#pragma once
// The scratch the reference phase library (ReferencePhase.cpp) needs, shared with
// the tests that write its artifacts. No dependencies: the library includes it.
#include <cstdint>

namespace gpt2c::test {

// Activation rows (batch * tokens) the scratch holds the float buffers of:
// hidden, normed, attention output [rows][E], qkv [rows][3E], MLP [rows][inner];
// then one double per cache position for attention probabilities.
constexpr std::uint64_t referenceScratchBytes(std::int64_t maxBatch, std::int64_t maxTokens,
                                              std::int64_t embd, std::int64_t inner,
                                              std::int64_t capacity) {
  std::int64_t rows = maxBatch * maxTokens;
  return std::uint64_t(rows * (6 * embd + inner)) * sizeof(float) +
         std::uint64_t(capacity) * sizeof(double);
}

} // namespace gpt2c::test
