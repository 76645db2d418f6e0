#pragma once
// The executor of compiled x86 artifacts: loads the phase libraries of an artifact
// and runs them on its packed weights, with KV caches, scratch and logits buffers
// it owns.
//
// How forward() maps onto the phases:
//  - a new sequence (pastLength() == 0) starts with prefill, which returns the last
//    position's logits, or with allPositions by the score phase (or a prefill
//    whose logits are "all"); an artifact without one refuses allPositions for
//    more than one token. A prompt longer than max_tokens is prefilled in its
//    first max_tokens tokens;
//  - every further token, in the same call or later ones, goes through decode one
//    token at a time (the phases take the prompt at once, then one token per
//    step), its logits row collected when allPositions asks for every row.
// Every phase writes the keys and values of its tokens into the caches at
// positions [past, past + T): that is what lets decode follow prefill or score.
//
// The caches are allocated once, zero-filled, for max_batch sequences of the
// artifact's capacity; reset() only rewinds the position (attention never reads
// past the current length). After an error the sequence is reset.
#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/runtime/Backend.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace gpt2c::cpu {

class CpuBackend final : public Backend {
public:
  // Opens the artifact (Artifact::open checks it), loads its libraries and
  // installs the process thread pool (ThreadPool::global(), sized beforehand with
  // ThreadPool::setDefaultThreads) in each. Throws gpt2c::Error.
  explicit CpuBackend(const std::filesystem::path &directory,
                      const artifact::OpenOptions &options = {});
  explicit CpuBackend(artifact::Artifact artifact);
  ~CpuBackend() override;

  // The model's configuration with n_positions set to the cache capacity: the
  // context this executor holds, which generation and perplexity respect.
  const ModelConfig &config() const override;
  // "cpu x86-avx512 artifact NAME, SOURCE".
  std::string describe() const override;
  void reset() override;
  std::int64_t pastLength() const override { return past_; }
  std::vector<float> forward(std::span<const std::int32_t> tokens,
                             bool allPositions = false) override;

  // The batch form: `batch` sequences of equal length advancing together, `ids`
  // row-major [batch][T]. Returns logits [batch][V], or [batch][T][V] with
  // allPositions. A sequence started with one batch size continues with it only.
  std::vector<float> forwardBatch(std::span<const std::int32_t> ids, std::int64_t batch,
                                  bool allPositions = false);

  const artifact::Artifact &artifact() const;
  std::int64_t maxBatch() const;
  // Positions a sequence may hold (the cache capacity, at most n_positions).
  std::int64_t capacity() const;

private:
  struct State;
  // Runs one phase on `ids` [batch][tokens] at the current position; logits go to `logits`.
  void runPhase(const std::string &phase, std::span<const std::int32_t> ids, std::int64_t batch,
                std::int64_t tokens, float *logits);
  std::vector<float> advance(std::span<const std::int32_t> ids, std::int64_t batch,
                             bool allPositions);

  std::unique_ptr<State> state_;
  std::int64_t past_ = 0;
  std::int64_t batch_ = 0; // sequences in the caches; 0 before the first step
};

} // namespace gpt2c::cpu
