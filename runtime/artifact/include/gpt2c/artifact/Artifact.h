#pragma once
// A compiled artifact opened for execution: the validated manifest, its files
// checked, and the packed weights in memory (mapped from weights.bin, or packed at
// load time from the checkpoint an external-weights artifact records).
//
// What open() checks, always: the manifest (Manifest::parse), that this CPU has
// every feature the target requires, that every file of `files` (libraries,
// tokenizer) exists with the recorded size and sha256, and that the weights file
// has the recorded size (or that the external checkpoint has the model's config);
// for GPU targets, the launch plan (LaunchPlan::parse against the manifest).
// The sha256 of the weights is checked only with `verifyWeights`: hashing a
// gigabyte-sized file at every load would cost seconds (SHA-256 runs at a few
// hundred MB/s) and the size check already catches truncation. `gpt2c-run verify`
// checks everything.
#include "gpt2c/artifact/CpuFeatures.h"
#include "gpt2c/artifact/LaunchPlan.h"
#include "gpt2c/artifact/Manifest.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace gpt2c::artifact {

struct OpenOptions {
  bool verifyWeights = false;   // also compare the weights' sha256
  bool checkCpuFeatures = true; // off to inspect an artifact built for another CPU (x86 only)
  CpuFeatureProbe cpuSupports = hostCpuSupports;
};

class Artifact {
public:
  // Opens and checks `directory`. Throws gpt2c::Error "artifact DIR: ..." (or
  // "this CPU lacks FEATURE required by artifact DIR").
  static Artifact open(const std::filesystem::path &directory, const OpenOptions &options = {});

  Artifact(Artifact &&) noexcept;
  Artifact &operator=(Artifact &&) noexcept;
  ~Artifact();

  const Manifest &manifest() const { return manifest_; }
  // The validated launch plan of a GPU artifact; nullptr for other targets.
  const LaunchPlan *launchPlan() const { return launchPlan_ ? &*launchPlan_ : nullptr; }
  const std::filesystem::path &directory() const { return directory_; }
  // The directory as given, for messages: "artifact NAME".
  const std::string &name() const { return name_; }
  std::filesystem::path filePath(const std::string &fileName) const {
    return directory_ / fileName;
  }

  // The packed weight image and the start of each slot in it, in manifest order:
  // the `weights` array of gpt2c_step_args. Every pointer is `alignment`-aligned.
  std::span<const std::byte> weightImage() const;
  const std::vector<const void *> &slotPointers() const { return slotPointers_; }
  bool weightsVerified() const { return weightsVerified_; }
  // Frees the host copy of the weights (unmaps weights.bin, or frees the image
  // packed at load time) once an executor holds them elsewhere, in GPU memory;
  // weightImage() and slotPointers() are empty afterwards.
  void releaseWeightImage();

  struct WeightMemory; // opaque: the mapping or buffer behind weightImage()

private:
  Artifact() = default;

  std::filesystem::path directory_;
  std::string name_;
  Manifest manifest_;
  std::optional<LaunchPlan> launchPlan_;
  std::unique_ptr<WeightMemory> weights_;
  std::vector<const void *> slotPointers_;
  bool weightsVerified_ = false;
};

// The validated manifest of `directory` alone, without checking or loading files
// (what tokenize needs).
Manifest readManifest(const std::filesystem::path &directory);

// Refuses, naming the first one, a feature the CPU lacks or the runtime does not know.
// GPU targets require no CPU feature: they pass.
void checkCpuFeatures(const Manifest &manifest, const std::string &artifactName,
                      const CpuFeatureProbe &cpuSupports = hostCpuSupports);

} // namespace gpt2c::artifact
