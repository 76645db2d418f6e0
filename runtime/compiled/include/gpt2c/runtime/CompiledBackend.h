#pragma once
// What the executors of compiled artifacts share (the CPU executor of x86
// artifacts, the GPU executor of sm_NN ones): the checks of forward()'s input and
// how a forward() maps onto the artifact's phases. An executor only runs one
// phase step at a time (runPhase).
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
// The caches are allocated once by the executor, zero-filled, for max_batch
// sequences of the artifact's capacity; reset() only rewinds the position
// (attention never reads past the current length). After an error the sequence
// is reset.
#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/runtime/Backend.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace gpt2c {

// One step of one phase: `ids` [batch][tokens] at position `past`; the phase's
// logits rows ([batch][V] for "last", [batch][tokens][V] for "all") go to
// `logits`, in host memory.
struct PhaseStep {
  const std::string &phase; // prefill, decode or score
  std::span<const std::int32_t> ids;
  std::int64_t batch = 0, tokens = 0, past = 0;
  float *logits = nullptr;
};

class CompiledBackend : public Backend {
public:
  ~CompiledBackend() override;

  // The model's configuration with n_positions set to the cache capacity: the
  // context this executor holds, which generation and perplexity respect.
  const ModelConfig &config() const override { return context_; }
  void reset() override;
  std::int64_t pastLength() const override { return past_; }
  std::vector<float> forward(std::span<const std::int32_t> tokens,
                             bool allPositions = false) override;

  // The batch form: `batch` sequences of equal length advancing together, `ids`
  // row-major [batch][T]. Returns logits [batch][V], or [batch][T][V] with
  // allPositions. A sequence started with one batch size continues with it only.
  std::vector<float> forwardBatch(std::span<const std::int32_t> ids, std::int64_t batch,
                                  bool allPositions = false);

  const artifact::Artifact &artifact() const { return artifact_; }
  std::int64_t maxBatch() const { return artifact_.manifest().maxBatch; }
  // Positions a sequence may hold (the cache capacity, at most n_positions).
  std::int64_t capacity() const { return artifact_.manifest().kvCache.capacity; }

protected:
  // `executorName` begins the messages about refused input ("cpu executor: ...").
  CompiledBackend(artifact::Artifact artifact, std::string executorName);

  // Runs one phase step; throws gpt2c::Error when it fails.
  virtual void runPhase(const PhaseStep &step) = 0;
  const std::string &executorName() const { return executorName_; }
  artifact::Artifact &mutableArtifact() { return artifact_; }

private:
  std::vector<float> advance(std::span<const std::int32_t> ids, std::int64_t batch,
                             bool allPositions);
  void step(const std::string &phase, std::span<const std::int32_t> ids, std::int64_t batch,
            std::int64_t tokens, float *logits);

  artifact::Artifact artifact_;
  std::string executorName_;
  ModelConfig context_;
  std::int64_t past_ = 0;
  std::int64_t batch_ = 0;       // sequences in the caches; 0 before the first step
  std::vector<float> stepLogits_; // for phases whose rows are not the result's layout
  std::vector<std::int32_t> stepIds_;
};

} // namespace gpt2c
