#include "ToyGpuArtifact.h"

#include "gpt2c/support/Error.h"
#include "gpt2c/support/InputOutput.h"

#include <fstream>

// The reference must round like the PTX: one operation at a time, never fused.
#pragma STDC FP_CONTRACT OFF

namespace gpt2c::test {
namespace fs = std::filesystem;
using namespace artifact;

namespace {

constexpr std::int64_t kVocab = 50257;
constexpr std::int64_t kEmbd = 64;
constexpr std::uint64_t kIdsScratchOffset = 256;
constexpr std::int64_t kCacheLayer = 1;
constexpr const char *kModule = "toy.ptx";

KernelArg cache(CacheWhich which) {
  KernelArg arg{ArgKind::Cache};
  arg.layer = kCacheLayer;
  arg.which = which;
  return arg;
}

KernelArg weight(std::int64_t slot) {
  KernelArg arg{ArgKind::Weight};
  arg.slot = slot;
  return arg;
}

KernelArg scratch(std::uint64_t offset) {
  KernelArg arg{ArgKind::Scratch};
  arg.offset = offset;
  return arg;
}

Launch cacheLaunch() {
  Launch launch;
  launch.kernel = "toy_cache";
  launch.grid = {GridDim{GridPer::Rows, 1, 1}, GridDim{}, GridDim{}};
  launch.block = {32, 1, 1};
  launch.args = {KernelArg{ArgKind::Params}, KernelArg{ArgKind::Ids}, cache(CacheWhich::Key),
                 cache(CacheWhich::Value), scratch(kIdsScratchOffset)};
  return launch;
}

// One block row per output row (sequences or tokens), ceil(V / 256) blocks of
// 256 columns.
Launch logitsLaunch(bool allRows) {
  Launch launch;
  launch.kernel = allRows ? "toy_logits_all" : "toy_logits_last";
  launch.grid = {GridDim{allRows ? GridPer::Rows : GridPer::Batch, 1, 1},
                 GridDim{GridPer::One, kVocab, 256}, GridDim{}};
  launch.block = {256, 1, 1};
  launch.args = {KernelArg{ArgKind::Params},  weight(0),
                 weight(1),                   cache(CacheWhich::Key),
                 cache(CacheWhich::Value),    scratch(kIdsScratchOffset),
                 KernelArg{ArgKind::Logits}};
  return launch;
}


} // namespace

LaunchPlan toyLaunchPlan(bool score) {
  LaunchPlan plan;
  plan.scratchBytes = 4096;
  for (const char *phase : {"prefill", "decode"})
    plan.phases[phase] = PhasePlan{kModule, {cacheLaunch(), logitsLaunch(false)}};
  if (score)
    plan.phases["score"] = PhasePlan{kModule, {cacheLaunch(), logitsLaunch(true)}};
  return plan;
}

Manifest writeToyGpuArtifact(const fs::path &directory, const ToyGpuArtifactOptions &options) {
  std::unique_ptr<WeightStore> store = openModel("synthetic:tiny:1");
  fs::path sources = directory.string() + ".sources";
  fs::create_directories(sources);
  writeFileBytes((sources / kModule).string(), options.ptx.empty() ? toyPtx() : options.ptx);
  LaunchPlan plan = toyLaunchPlan(options.score);
  if (options.editPlan)
    options.editPlan(plan);
  writeFileBytes((sources / "plan.json").string(), plan.toJson());

  ArtifactSpec spec;
  spec.target = {options.target, {}};
  spec.maxBatch = options.maxBatch;
  spec.maxTokens = options.maxTokens;
  spec.scratchBytes = plan.scratchBytes;
  spec.phases = {{"prefill", sources / kModule, "", LogitsRows::Last},
                 {"decode", sources / kModule, "", LogitsRows::Last}};
  if (options.score)
    spec.phases.push_back({"score", sources / kModule, "", LogitsRows::All});
  spec.weights = {PackingRecipe{"wte.weight"}, PackingRecipe{"wpe.weight"}};
  spec.launchPlan = sources / "plan.json";
  try {
    Manifest manifest = ArtifactWriter(spec).write(*store, directory);
    fs::remove_all(sources);
    return manifest;
  } catch (...) {
    fs::remove_all(sources);
    throw;
  }
}

ToyReference::ToyReference() {
  std::unique_ptr<WeightStore> store = openModel("synthetic:tiny:1");
  wte_ = store->readFloat32("wte.weight");
  wpe_ = store->readFloat32("wpe.weight");
}

std::vector<float> ToyReference::row(std::span<const std::int32_t> sequence,
                                     std::int64_t position) const {
  float keys = 0, values = 0;
  for (std::int64_t p = 0; p <= position; ++p) {
    keys = keys + float(sequence[std::size_t(p)]);
    values = values + 1.0f;
  }
  const std::int32_t id = sequence[std::size_t(position)];
  const float keyTerm = keys * 0x1p-20f;
  const float valueTerm = values * 0x1p-12f;
  std::vector<float> row(kVocab);
  for (std::int64_t v = 0; v < kVocab; ++v) {
    float embedded = wte_[std::size_t(id * kEmbd + v % kEmbd)] +
                     wpe_[std::size_t(position * kEmbd + v % kEmbd)];
    float withKeys = embedded + keyTerm;
    row[std::size_t(v)] = withKeys + valueTerm;
  }
  return row;
}

} // namespace gpt2c::test
