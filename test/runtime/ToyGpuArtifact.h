#pragma once
// A GPU artifact of the tiny model whose phases compute no GPT-2 but a toy
// function through every kind of kernel argument (step parameters, ids, two weight
// slots, a layer's key and value caches, scratch at an offset, logits), written
// with the real ArtifactWriter and a hand-written PTX module (ToyKernels.cpp). It
// lets the GPU executor be tested without the compiler: on a GPU against
// ToyReference, elsewhere for the errors of a machine without one.
//
// Every phase first stores each token's id as a float in layer 1's key cache at
// [b][0][pos][0], 1.0 in the value cache there, and the id in scratch (offset 256)
// at [row]; then, for each logits row of a token at position pos of sequence b:
//   logits[v] = ((wte[id][v % 64] + wpe[pos][v % 64]) + 2^-20 * keys)
//               + 2^-12 * values
// where keys and values are the sums of the caches over positions 0..pos.
#include "gpt2c/artifact/ArtifactWriter.h"
#include "gpt2c/artifact/LaunchPlan.h"
#include "gpt2c/checkpoint/WeightStore.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace gpt2c::test {

struct ToyGpuArtifactOptions {
  std::string target = "sm_90";
  std::int64_t maxBatch = 2;
  std::int64_t maxTokens = 128; // at most the capacity, 128
  bool score = true;
  // Replaces the PTX module's text (a module the driver must refuse).
  std::string ptx = "";
  // Edits the launch plan before it is written (a kernel that does not exist).
  std::function<void(artifact::LaunchPlan &)> editPlan = nullptr;
};

// The PTX text of the toy kernels (toy_cache, toy_logits_last, toy_logits_all).
const std::string &toyPtx();
// The launch plan of the toy artifact for `manifest`'s phases.
artifact::LaunchPlan toyLaunchPlan(bool score);

// Writes the artifact (model synthetic:tiny:1) to `directory`.
artifact::Manifest writeToyGpuArtifact(const std::filesystem::path &directory,
                                       const ToyGpuArtifactOptions &options = {});

// What the toy computes, on the host.
class ToyReference {
public:
  ToyReference(); // reads wte and wpe of synthetic:tiny:1

  // The logits row of the token at `position` of a sequence whose tokens so far
  // are `sequence` (at least position + 1 of them): vocab_size values.
  std::vector<float> row(std::span<const std::int32_t> sequence, std::int64_t position) const;

private:
  std::vector<float> wte_, wpe_;
};

} // namespace gpt2c::test
