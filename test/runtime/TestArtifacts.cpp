#include "TestArtifacts.h"

#include "ReferenceModel.h"

#include "gpt2c/support/Error.h"

namespace gpt2c::test {
namespace fs = std::filesystem;
namespace {

// The model the reference library is compiled for (the GPT2C_REF_* definitions).
bool matchesLibrary(const ModelConfig &config) {
  return config.nLayer == GPT2C_REF_LAYERS && config.nEmbd == GPT2C_REF_EMBD &&
         config.nHead == GPT2C_REF_HEADS && config.nInner == GPT2C_REF_INNER &&
         config.vocabSize == GPT2C_REF_VOCAB && config.nPositions == GPT2C_REF_POSITIONS &&
         config.tieWordEmbeddings;
}

} // namespace

fs::path referencePhaseLibrary(PackedLayout linearLayout) {
  return linearLayout == PackedLayout::NK ? GPT2C_REFERENCE_PHASE_NK : GPT2C_REFERENCE_PHASE_KN;
}

fs::path badAbiPhaseLibrary() { return GPT2C_BAD_ABI_PHASE; }

artifact::Manifest writeReferenceArtifact(const fs::path &directory,
                                          const ReferenceArtifactOptions &options) {
  std::unique_ptr<WeightStore> store = openModel(options.model);
  const ModelConfig &config = store->config();
  if (!matchesLibrary(config))
    fail("{}: the reference phase library is compiled for the tiny configuration", options.model);

  artifact::ArtifactSpec spec;
  spec.target = options.target;
  spec.maxBatch = options.maxBatch ? options.maxBatch : GPT2C_REF_MAX_BATCH;
  spec.maxTokens = options.maxTokens ? options.maxTokens : GPT2C_REF_MAX_TOKENS;
  spec.kvCapacity = GPT2C_REF_CAPACITY;
  // The library carves its scratch for its own limits, whatever the manifest allows.
  spec.scratchBytes = referenceScratchBytes(GPT2C_REF_MAX_BATCH, GPT2C_REF_MAX_TOKENS, config.nEmbd,
                                            config.nInner, GPT2C_REF_CAPACITY);
  spec.weights = referenceRecipes(config, options.linearLayout);
  spec.externalWeights = options.externalWeights;
  spec.tokenizerDir = options.tokenizerDir;

  fs::path library = referencePhaseLibrary(options.linearLayout);
  fs::path copies = directory.string() + ".libraries";
  auto phaseLibrary = [&](const std::string &phase) {
    if (!options.separateLibraries)
      return library;
    fs::create_directories(copies);
    fs::path copy = copies / (phase + ".so");
    fs::copy_file(library, copy, fs::copy_options::overwrite_existing);
    return copy;
  };
  spec.phases.push_back({"prefill", phaseLibrary("prefill"), "", artifact::LogitsRows::Last});
  spec.phases.push_back(
      {"decode", phaseLibrary("decode"), options.decodeEntry, artifact::LogitsRows::Last});
  if (options.score)
    spec.phases.push_back({"score", phaseLibrary("score"), "", artifact::LogitsRows::All});
  artifact::Manifest manifest = artifact::ArtifactWriter(spec).write(*store, directory);
  fs::remove_all(copies);
  return manifest;
}

} // namespace gpt2c::test
