#include "gpt2c/cpu/CpuBackend.h"

#include "PhaseLibrary.h"
#include "PoolBridge.h"

#include "gpt2c/artifact/AlignedBuffer.h"
#include "gpt2c/support/Error.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace gpt2c::cpu {
using artifact::AlignedBuffer;
using artifact::Artifact;
using artifact::LogitsRows;
using artifact::Manifest;

namespace {

constexpr std::size_t kBufferAlignment = 64;

// a * b * ..., refusing sizes that do not fit in memory arithmetic.
std::size_t checkedProduct(std::initializer_list<std::int64_t> factors, const std::string &where,
                           const char *what) {
  std::size_t product = 1;
  for (std::int64_t factor : factors)
    if (factor < 0 || __builtin_mul_overflow(product, std::size_t(factor), &product))
      fail("{}: the {} would not fit in memory", where, what);
  return product;
}

std::string_view statusMeaning(int32_t status) {
  switch (status) {
  case GPT2C_BAD_ARGUMENTS:
    return "batch, tokens or past out of the compiled range";
  case GPT2C_KERNEL_FAILED:
    return "a kernel failed";
  default:
    return "unknown status";
  }
}

} // namespace

struct CpuBackend::State {
  explicit State(Artifact opened) : artifact(std::move(opened)) {}

  Artifact artifact;
  ModelConfig context; // the model with n_positions = the cache capacity
  std::map<std::string, std::unique_ptr<PhaseLibrary>> libraries; // by file name
  std::map<std::string, PhaseEntry> entries;                      // by phase name
  // Every layer's cache in one block: layer l at l * perLayer floats.
  AlignedBuffer keys, values;
  std::vector<float *> keyLayers, valueLayers;
  AlignedBuffer scratch;
  std::vector<float> stepLogits; // for phases whose rows are not the result's layout
  std::vector<std::int32_t> stepIds;
};

CpuBackend::CpuBackend(const std::filesystem::path &directory, const artifact::OpenOptions &options)
    : CpuBackend(Artifact::open(directory, options)) {}

CpuBackend::CpuBackend(Artifact opened) : state_(std::make_unique<State>(std::move(opened))) {
  const Artifact &artifact = state_->artifact;
  const Manifest &manifest = artifact.manifest();
  std::string where = fmt::format("artifact {}", artifact.name());
  if (!manifest.target.name.starts_with("x86-"))
    fail("{}: target {} is not an x86 target; the CPU executor cannot run it", where,
         manifest.target.name);

  state_->context = manifest.model;
  state_->context.nPositions = manifest.kvCache.capacity;

  const gpt2c_parallel &parallel = processParallel();
  for (const auto &[phaseName, phase] : manifest.phases) {
    auto &library = state_->libraries[phase.library];
    if (!library)
      library = std::make_unique<PhaseLibrary>(
          artifact.filePath(phase.library), fmt::format("{}: {}", where, phase.library), parallel);
    state_->entries[phaseName] = library->entry(phase.entry);
  }

  const artifact::KvCache &cache = manifest.kvCache;
  std::size_t perLayer = checkedProduct(
      {manifest.maxBatch, cache.heads, cache.capacity, cache.headDim}, where, "KV cache");
  std::size_t allLayers = checkedProduct(
      {std::int64_t(perLayer), cache.layers, std::int64_t(sizeof(float))}, where, "KV cache");
  state_->keys = AlignedBuffer(allLayers, kBufferAlignment, "the key cache");
  state_->values = AlignedBuffer(allLayers, kBufferAlignment, "the value cache");
  for (std::int64_t layer = 0; layer < cache.layers; ++layer) {
    state_->keyLayers.push_back(reinterpret_cast<float *>(state_->keys.data()) + layer * perLayer);
    state_->valueLayers.push_back(reinterpret_cast<float *>(state_->values.data()) +
                                  layer * perLayer);
  }
  state_->scratch = AlignedBuffer(manifest.scratchBytes, kBufferAlignment, "the scratch buffer");
}

CpuBackend::~CpuBackend() = default;

const ModelConfig &CpuBackend::config() const { return state_->context; }

std::string CpuBackend::describe() const {
  const Manifest &manifest = state_->artifact.manifest();
  return fmt::format("cpu {} artifact {}, {}", manifest.target.name, state_->artifact.name(),
                     manifest.modelSource);
}

void CpuBackend::reset() {
  past_ = 0;
  batch_ = 0;
}

const Artifact &CpuBackend::artifact() const { return state_->artifact; }
std::int64_t CpuBackend::maxBatch() const { return state_->artifact.manifest().maxBatch; }
std::int64_t CpuBackend::capacity() const { return state_->artifact.manifest().kvCache.capacity; }

std::vector<float> CpuBackend::forward(std::span<const std::int32_t> tokens, bool allPositions) {
  return forwardBatch(tokens, 1, allPositions);
}

std::vector<float> CpuBackend::forwardBatch(std::span<const std::int32_t> ids, std::int64_t batch,
                                            bool allPositions) {
  const Manifest &manifest = state_->artifact.manifest();
  const std::string &name = state_->artifact.name();
  if (batch < 1 || batch > manifest.maxBatch)
    fail("cpu executor: a batch of {} sequences; artifact {} takes 1 to {} (max_batch)", batch,
         name, manifest.maxBatch);
  if (ids.empty() || ids.size() % std::size_t(batch) != 0)
    fail("cpu executor: {} token ids do not make {} sequences of at least one token", ids.size(),
         batch);
  std::int64_t tokens = std::int64_t(ids.size()) / batch;
  if (past_ > 0 && batch != batch_)
    fail("cpu executor: a batch of {} sequences, but the caches hold {}; reset() first", batch,
         batch_);
  if (past_ + tokens > capacity())
    fail("cpu executor: {} past + {} new tokens exceed the {} positions of artifact {}", past_,
         tokens, capacity(), name);
  for (std::int32_t id : ids)
    if (id < 0 || id >= manifest.model.vocabSize)
      fail("cpu executor: token id {} is out of range [0, {})", id, manifest.model.vocabSize);
  try {
    return advance(ids, batch, allPositions);
  } catch (...) {
    reset(); // the caches may hold part of the failed step
    throw;
  }
}

std::vector<float> CpuBackend::advance(std::span<const std::int32_t> ids, std::int64_t batch,
                                       bool allPositions) {
  const Manifest &manifest = state_->artifact.manifest();
  const std::int64_t vocab = manifest.model.vocabSize;
  const std::int64_t tokens = std::int64_t(ids.size()) / batch;
  const std::int64_t resultRows = allPositions ? tokens : 1; // per sequence
  std::vector<float> result(std::size_t(batch * resultRows * vocab));

  // ids[b][start, start + count) of every sequence, as the [batch][count] a phase takes.
  auto slice = [&](std::int64_t start, std::int64_t count) {
    state_->stepIds.resize(std::size_t(batch * count));
    for (std::int64_t b = 0; b < batch; ++b)
      std::copy_n(ids.begin() + b * tokens + start, count, state_->stepIds.begin() + b * count);
    return std::span<const std::int32_t>(state_->stepIds);
  };
  // Where a phase returning `rows` rows per sequence for positions [start, ...)
  // writes: straight into the result when the layouts agree, else stepLogits,
  // whose rows copyRows() then distributes.
  auto direct = [&](std::int64_t rows) {
    return rows == resultRows || (batch == 1 && allPositions);
  };
  auto target = [&](std::int64_t start, std::int64_t rows) -> float * {
    if (direct(rows))
      return result.data() + (allPositions ? start * vocab : 0);
    state_->stepLogits.resize(std::size_t(batch * rows * vocab));
    return state_->stepLogits.data();
  };
  auto copyRows = [&](std::int64_t start, std::int64_t rows) {
    if (direct(rows))
      return;
    for (std::int64_t b = 0; b < batch; ++b) {
      const float *from = state_->stepLogits.data() + b * rows * vocab;
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
        fail("cpu executor: artifact {} has no score phase, which every position's logits need",
             state_->artifact.name());
      phaseName = "score";
    }
    std::int64_t chunk = std::min(tokens, manifest.maxTokens);
    std::int64_t rows = manifest.findPhase(phaseName)->logits == LogitsRows::All ? chunk : 1;
    runPhase(phaseName, slice(0, chunk), batch, chunk, target(0, rows));
    copyRows(0, rows);
    done = chunk;
  }
  for (; done < tokens; ++done) {
    runPhase("decode", slice(done, 1), batch, 1, target(done, 1));
    copyRows(done, 1);
  }
  return result;
}

void CpuBackend::runPhase(const std::string &phase, std::span<const std::int32_t> ids,
                          std::int64_t batch, std::int64_t tokens, float *logits) {
  gpt2c_step_args args{};
  args.batch = batch;
  args.tokens = tokens;
  args.past = past_;
  args.ids = ids.data();
  args.weights = state_->artifact.slotPointers().data();
  args.keys = state_->keyLayers.data();
  args.values = state_->valueLayers.data();
  args.logits = logits;
  args.scratch = state_->scratch.data();
  int32_t status = state_->entries.at(phase)(&args);
  if (status != GPT2C_OK)
    fail("cpu executor: the {} phase of artifact {} failed on batch {}, {} tokens after {}: "
         "status {} ({})",
         phase, state_->artifact.name(), batch, tokens, past_, status, statusMeaning(status));
  past_ += tokens;
}

} // namespace gpt2c::cpu
