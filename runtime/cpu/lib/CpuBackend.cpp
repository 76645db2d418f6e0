#include "gpt2c/cpu/CpuBackend.h"

#include "PhaseLibrary.h"
#include "PoolBridge.h"

#include "gpt2c/artifact/AlignedBuffer.h"
#include "gpt2c/runtime/CheckedSize.h"
#include "gpt2c/support/Error.h"

#include <map>

namespace gpt2c::cpu {
using artifact::AlignedBuffer;
using artifact::Artifact;
using artifact::Manifest;

namespace {

constexpr std::size_t kBufferAlignment = 64;

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
  std::map<std::string, std::unique_ptr<PhaseLibrary>> libraries; // by file name
  std::map<std::string, PhaseEntry> entries;                      // by phase name
  // Every layer's cache in one block: layer l at l * perLayer floats.
  AlignedBuffer keys, values;
  std::vector<float *> keyLayers, valueLayers;
  AlignedBuffer scratch;
};

namespace {

void requireX86(const Manifest &manifest, const std::string &name) {
  if (!manifest.target.isX86())
    fail("artifact {}: target {} is not an x86 target; the CPU executor cannot run it{}", name,
         manifest.target.name, manifest.target.isGpu() ? " (the GPU executor does)" : "");
}

// Refuses another target before loading anything (packing external weights may
// take seconds).
Artifact openX86Artifact(const std::filesystem::path &directory,
                         const artifact::OpenOptions &options) {
  requireX86(artifact::readManifest(directory), directory.string());
  return Artifact::open(directory, options);
}

} // namespace

CpuBackend::CpuBackend(const std::filesystem::path &directory, const artifact::OpenOptions &options)
    : CpuBackend(openX86Artifact(directory, options)) {}

CpuBackend::CpuBackend(Artifact opened)
    : CompiledBackend(std::move(opened), "cpu executor"), state_(std::make_unique<State>()) {
  const Artifact &artifact = this->artifact();
  const Manifest &manifest = artifact.manifest();
  std::string where = fmt::format("artifact {}", artifact.name());
  requireX86(manifest, artifact.name());

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

std::string CpuBackend::describe() const {
  const Manifest &manifest = artifact().manifest();
  return fmt::format("cpu {} artifact {}, {}", manifest.target.name, artifact().name(),
                     manifest.modelSource);
}

void CpuBackend::runPhase(const PhaseStep &step) {
  gpt2c_step_args args{};
  args.batch = step.batch;
  args.tokens = step.tokens;
  args.past = step.past;
  args.ids = step.ids.data();
  args.weights = artifact().slotPointers().data();
  args.keys = state_->keyLayers.data();
  args.values = state_->valueLayers.data();
  args.logits = step.logits;
  args.scratch = state_->scratch.data();
  int32_t status = state_->entries.at(step.phase)(&args);
  if (status != GPT2C_OK)
    fail("cpu executor: the {} phase of artifact {} failed on batch {}, {} tokens after {}: "
         "status {} ({})",
         step.phase, artifact().name(), step.batch, step.tokens, step.past, status,
         statusMeaning(status));
}

} // namespace gpt2c::cpu
