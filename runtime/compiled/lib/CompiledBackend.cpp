#include "gpt2c/runtime/CompiledBackend.h"

#include "gpt2c/support/Error.h"

#include <algorithm>

namespace gpt2c {
using artifact::LogitsRows;
using artifact::Manifest;

CompiledBackend::CompiledBackend(artifact::Artifact opened, std::string executorName)
    : artifact_(std::move(opened)), executorName_(std::move(executorName)) {
  context_ = artifact_.manifest().model;
  context_.nPositions = artifact_.manifest().kvCache.capacity;
}

CompiledBackend::~CompiledBackend() = default;

void CompiledBackend::reset() {
  past_ = 0;
  batch_ = 0;
}

std::vector<float> CompiledBackend::forward(std::span<const std::int32_t> tokens,
                                            bool allPositions) {
  return forwardBatch(tokens, 1, allPositions);
}

std::vector<float> CompiledBackend::forwardBatch(std::span<const std::int32_t> ids,
                                                 std::int64_t batch, bool allPositions) {
  const Manifest &manifest = artifact_.manifest();
  const std::string &name = artifact_.name();
  const std::string &executor = executorName_;
  if (batch < 1 || batch > manifest.maxBatch)
    fail("{}: a batch of {} sequences; artifact {} takes 1 to {} (max_batch)", executor, batch,
         name, manifest.maxBatch);
  if (ids.empty() || ids.size() % std::size_t(batch) != 0)
    fail("{}: {} token ids do not make {} sequences of at least one token", executor, ids.size(),
         batch);
  std::int64_t tokens = std::int64_t(ids.size()) / batch;
  if (past_ > 0 && batch != batch_)
    fail("{}: a batch of {} sequences, but the caches hold {}; reset() first", executor, batch,
         batch_);
  if (past_ + tokens > capacity())
    fail("{}: {} past + {} new tokens exceed the {} positions of artifact {}", executor, past_,
         tokens, capacity(), name);
  for (std::int32_t id : ids)
    if (id < 0 || id >= manifest.model.vocabSize)
      fail("{}: token id {} is out of range [0, {})", executor, id, manifest.model.vocabSize);
  try {
    return advance(ids, batch, allPositions);
  } catch (...) {
    reset(); // the caches may hold part of the failed step
    throw;
  }
}

void CompiledBackend::step(const std::string &phase, std::span<const std::int32_t> ids,
                           std::int64_t batch, std::int64_t tokens, float *logits) {
  runPhase(PhaseStep{phase, ids, batch, tokens, past_, logits});
  past_ += tokens;
}

std::vector<float> CompiledBackend::advance(std::span<const std::int32_t> ids, std::int64_t batch,
                                            bool allPositions) {
  const Manifest &manifest = artifact_.manifest();
  const std::int64_t vocab = manifest.model.vocabSize;
  const std::int64_t tokens = std::int64_t(ids.size()) / batch;
  const std::int64_t resultRows = allPositions ? tokens : 1; // per sequence
  std::vector<float> result(std::size_t(batch * resultRows * vocab));

  // ids[b][start, start + count) of every sequence, as the [batch][count] a phase takes.
  auto slice = [&](std::int64_t start, std::int64_t count) {
    stepIds_.resize(std::size_t(batch * count));
    for (std::int64_t b = 0; b < batch; ++b)
      std::copy_n(ids.begin() + b * tokens + start, count, stepIds_.begin() + b * count);
    return std::span<const std::int32_t>(stepIds_);
  };
  // Where a phase returning `rows` rows per sequence for positions [start, ...)
  // writes: straight into the result when the layouts agree, else stepLogits_,
  // whose rows copyRows() then distributes.
  auto direct = [&](std::int64_t rows) {
    return rows == resultRows || (batch == 1 && allPositions);
  };
  auto target = [&](std::int64_t start, std::int64_t rows) -> float * {
    if (direct(rows))
      return result.data() + (allPositions ? start * vocab : 0);
    stepLogits_.resize(std::size_t(batch * rows * vocab));
    return stepLogits_.data();
  };
  auto copyRows = [&](std::int64_t start, std::int64_t rows) {
    if (direct(rows))
      return;
    for (std::int64_t b = 0; b < batch; ++b) {
      const float *from = stepLogits_.data() + b * rows * vocab;
      if (allPositions)
        std::copy_n(from, rows * vocab, result.data() + (b * tokens + start) * vocab);
      else // only the last row counts; a later step may still overwrite it
        std::copy_n(from + (rows - 1) * vocab, vocab, result.data() + b * vocab);
    }
  };

  std::int64_t done = 0;
  if (past_ == 0) {
    batch_ = batch;
    std::string phaseName = "prefill";
    bool needRows = allPositions && tokens > 1;
    if (needRows && manifest.findPhase("prefill")->logits != LogitsRows::All) {
      if (!manifest.findPhase("score"))
        fail("{}: artifact {} has no score phase, which every position's logits need",
             executorName_, artifact_.name());
      phaseName = "score";
    }
    std::int64_t chunk = std::min(tokens, manifest.maxTokens);
    std::int64_t rows = manifest.findPhase(phaseName)->logits == LogitsRows::All ? chunk : 1;
    step(phaseName, slice(0, chunk), batch, chunk, target(0, rows));
    copyRows(0, rows);
    done = chunk;
  }
  static const std::string kDecode = "decode";
  for (; done < tokens; ++done) {
    step(kDecode, slice(done, 1), batch, 1, target(done, 1));
    copyRows(done, 1);
  }
  return result;
}

} // namespace gpt2c
