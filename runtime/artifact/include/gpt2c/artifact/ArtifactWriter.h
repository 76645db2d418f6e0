#pragma once
// Writes a compiled artifact: `gpt2c compile` builds the phase libraries, then
// hands them with the weight recipes to ArtifactWriter, which lays out the
// directory (see runtime/artifact/README.md).
#include "gpt2c/artifact/Manifest.h"
#include "gpt2c/checkpoint/WeightPacking.h"
#include "gpt2c/checkpoint/WeightStore.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gpt2c::artifact {

struct PhaseSpec {
  std::string name;              // prefill, decode or score
  std::filesystem::path library; // a built shared library (a PTX module for GPU targets),
                                 // copied under its file name
  std::string entry;             // empty: gpt2c_run_<name> (GPU targets: <name>)
  LogitsRows logits = LogitsRows::Last;
};

struct ArtifactSpec {
  Target target{"x86-avx512", {"avx512f", "avx512bw", "avx512vl", "avx512dq", "fma"}};
  std::int64_t maxBatch = 1;
  std::int64_t maxTokens = 0;  // tokens per prefill/score step; 0: the cache capacity
  std::int64_t kvCapacity = 0; // positions per sequence; 0: the model's n_positions
  std::uint64_t scratchBytes = 0;
  // Several phases may name the same library (one .so exporting every entry).
  std::vector<PhaseSpec> phases;
  // The weight slots in the order the phase libraries take them.
  std::vector<PackingRecipe> weights;
  // Record where the weights come from (the store's source) instead of writing
  // weights.bin: the runtime packs them at load time. Small artifacts, slower loads.
  bool externalWeights = false;
  // GPU targets: the launch plan (runtime/artifact/LAUNCH_PLAN.md), copied as
  // launch_plan.json and checked against the manifest.
  std::optional<std::filesystem::path> launchPlan;
  // A directory with vocab.json and merges.txt to copy into the artifact.
  std::optional<std::filesystem::path> tokenizerDir;
};

// The tokenizer an artifact of `model` carries: `given` when not empty, else the
// checkpoint's own vocab.json and merges.txt when it has them (never for synthetic
// weights).
std::optional<std::filesystem::path> tokenizerToCarry(const std::string &model,
                                                      const std::string &given);

class ArtifactWriter {
public:
  explicit ArtifactWriter(ArtifactSpec spec);

  // Writes the artifact to `directory` (by convention NAME.gpt2c) and returns its
  // manifest. Everything goes into DIRECTORY.partial first, which is renamed into
  // place at the end, so a failed write leaves no half artifact at `directory`. An
  // existing artifact (or empty directory) there is replaced; anything else is
  // refused. Weights are packed one slot at a time, so memory stays at one tensor.
  // Throws gpt2c::Error naming the input at fault.
  Manifest write(const WeightStore &store, const std::filesystem::path &directory) const;

private:
  ArtifactSpec spec_;
};

} // namespace gpt2c::artifact
