#pragma once
// Artifacts around the reference phase library (ReferencePhase.cpp), written with
// the real ArtifactWriter: what the runtime tests and the gpt2c-run lit tests run.
#include "gpt2c/artifact/ArtifactWriter.h"
#include "gpt2c/checkpoint/WeightPacking.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gpt2c::test {

struct ReferenceArtifactOptions {
  std::string model = "synthetic:tiny:1"; // the library is compiled for tiny
  PackedLayout linearLayout = PackedLayout::KN;
  bool externalWeights = false;
  bool score = true;
  // prefill.so, decode.so and score.so as copies, instead of one library for all.
  bool separateLibraries = false;
  std::int64_t maxTokens = 0; // 0: what the library takes
  std::int64_t maxBatch = 0;  // 0: what the library takes
  std::optional<std::filesystem::path> tokenizerDir = std::nullopt;
  artifact::Target target{"x86-64", {"sse2"}};
  std::string decodeEntry = ""; // empty: gpt2c_run_decode
};

std::filesystem::path referencePhaseLibrary(PackedLayout linearLayout);
// A library whose gpt2c_abi_version returns 99.
std::filesystem::path badAbiPhaseLibrary();

// Writes the artifact; throws gpt2c::Error when the model is not the one the
// library is compiled for.
artifact::Manifest writeReferenceArtifact(const std::filesystem::path &directory,
                                          const ReferenceArtifactOptions &options = {});

} // namespace gpt2c::test
