// The checks that relate the manifest's fields to each other and to the model:
// what makes a manifest safe for the runtime to act on (allocate caches, hand
// slot pointers to a phase library, open files named in it).
#include "gpt2c/artifact/Manifest.h"

#include "gpt2c/support/Error.h"

#include <algorithm>
#include <cctype>

namespace gpt2c::artifact {
namespace {

// A file name inside the artifact directory: no path, so nothing outside it.
bool isPlainFileName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

bool isSha256Hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

bool isCIdentifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool isKnownPhase(std::string_view name) {
  return std::find(std::begin(kPhaseNames), std::end(kPhaseNames), name) != std::end(kPhaseNames);
}

void validateFiles(const Manifest &manifest, std::string_view where) {
  for (const auto &[name, record] : manifest.files) {
    if (!isPlainFileName(name) || name == kManifestFile)
      fail("{}: files: '{}' is not a plain file name of the artifact", where, name);
    if (!isSha256Hex(record.sha256))
      fail("{}: files.{}.sha256: '{}' is not 64 lowercase hex digits", where, name, record.sha256);
  }
  auto requireFile = [&](std::string_view field, const std::string &name) {
    if (!manifest.files.contains(name))
      fail("{}: {}: '{}' is not listed in files", where, field, name);
  };
  for (const auto &[name, phase] : manifest.phases)
    requireFile(fmt::format("phases.{}.library", name), phase.library);
  if (manifest.launchPlan)
    requireFile("launch_plan", *manifest.launchPlan);
  if (manifest.tokenizer) {
    requireFile("tokenizer.vocab", manifest.tokenizer->vocab);
    requireFile("tokenizer.merges", manifest.tokenizer->merges);
  }
}

// x86 targets name CPU features and shared libraries; GPU targets ("sm_90") name
// no CPU feature, PTX modules, and the launch plan that says how to run them.
void validateTarget(const Manifest &manifest, std::string_view where) {
  const Target &target = manifest.target;
  if (target.name.empty())
    fail("{}: target.name: empty", where);
  for (const std::string &feature : target.cpuFeatures)
    if (feature.empty())
      fail("{}: target.cpu_features: an empty name", where);
  if (!target.isGpu()) {
    if (manifest.launchPlan)
      fail("{}: launch_plan: target {} is not a GPU target (sm_NN) and takes no launch plan",
           where, target.name);
    return;
  }
  if (!parseGpuTarget(target.name))
    fail("{}: target.name: '{}' is not a GPU target name (sm_ and a compute capability, e.g. "
         "sm_90)",
         where, target.name);
  if (!target.cpuFeatures.empty())
    fail("{}: target.cpu_features: GPU target {} takes none", where, target.name);
  if (!manifest.launchPlan)
    fail("{}: launch_plan: missing (GPU target {} runs its phases through a launch plan)", where,
         target.name);
  for (const auto &[name, phase] : manifest.phases)
    if (!phase.library.ends_with(".ptx"))
      fail("{}: phases.{}.library: '{}' is not a PTX module (.ptx), which target {} needs", where,
           name, phase.library, target.name);
}

void validatePhases(const Manifest &manifest, std::string_view where) {
  for (const auto &[name, phase] : manifest.phases) {
    if (!isKnownPhase(name))
      fail("{}: phases: unknown phase '{}' (known: prefill, decode, score)", where, name);
    if (!isCIdentifier(phase.entry))
      fail("{}: phases.{}.entry: '{}' is not a C symbol name", where, name, phase.entry);
  }
  for (std::string_view required : {"prefill", "decode"})
    if (!manifest.findPhase(required))
      fail("{}: phases: the {} phase is missing", where, required);
  if (const Phase *score = manifest.findPhase("score"); score && score->logits != LogitsRows::All)
    fail("{}: phases.score.logits: the score phase returns every position's logits ('all')", where);
}

void validateShapes(const Manifest &manifest, std::string_view where) {
  const ModelConfig &model = manifest.model;
  const KvCache &cache = manifest.kvCache;
  auto expectEqual = [&](std::string_view field, std::int64_t value, std::string_view modelField,
                         std::int64_t modelValue) {
    if (value != modelValue)
      fail("{}: {}: {} differs from the model's {} ({})", where, field, value, modelField,
           modelValue);
  };
  expectEqual("kv_cache.layers", cache.layers, "n_layer", model.nLayer);
  expectEqual("kv_cache.heads", cache.heads, "n_head", model.nHead);
  expectEqual("kv_cache.head_dim", cache.headDim, "head dimension", model.headDim());
  if (cache.capacity > model.nPositions)
    fail("{}: kv_cache.capacity: {} exceeds the model's n_positions ({})", where, cache.capacity,
         model.nPositions);
  if (cache.dtype != "f32")
    fail("{}: kv_cache.dtype: '{}' is not supported (f32)", where, cache.dtype);
  if (manifest.maxTokens > cache.capacity)
    fail("{}: max_tokens: {} exceeds kv_cache.capacity ({})", where, manifest.maxTokens,
         cache.capacity);
}

void validateWeights(const Manifest &manifest, std::string_view where) {
  const Weights &weights = manifest.weights;
  if (weights.file.has_value() == weights.externalSource.has_value())
    fail("{}: weights: give exactly one of file and external", where);
  if (weights.file && (!isPlainFileName(*weights.file) || *weights.file == kManifestFile ||
                       manifest.files.contains(*weights.file)))
    fail("{}: weights.file: '{}' is not a plain file name of its own", where, *weights.file);
  if (weights.externalSource && weights.externalSource->empty())
    fail("{}: weights.external.source: empty", where);
  // Mappings start on a page, so any alignment up to the page size holds in memory.
  if (weights.alignment < kWeightAlignment || weights.alignment > 4096 ||
      (weights.alignment & (weights.alignment - 1)) != 0)
    fail("{}: weights.alignment: {} is not a power of two from {} to 4096", where,
         weights.alignment, kWeightAlignment);
  if (!isSha256Hex(weights.sha256))
    fail("{}: weights.sha256: '{}' is not 64 lowercase hex digits", where, weights.sha256);
  if (weights.slots.empty())
    fail("{}: weights.slots: empty", where);

  std::vector<TensorSpec> tensors = expectedTensors(manifest.model);
  std::uint64_t end = 0;
  for (std::size_t i = 0; i < weights.slots.size(); ++i) {
    const WeightSlot &slot = weights.slots[i];
    std::string field = fmt::format("weights.slots[{}]", i);
    auto tensor = std::find_if(tensors.begin(), tensors.end(), [&](const TensorSpec &spec) {
      return spec.name == slot.recipe.tensor;
    });
    if (tensor == tensors.end())
      fail("{}: {}.tensor: the model has no tensor '{}'", where, field, slot.recipe.tensor);
    validateRecipe(slot.recipe, tensor->shape, fmt::format("{}: {}", where, field));
    std::uint64_t expected = packedByteSize(slot.recipe, tensor->shape);
    if (slot.bytes != expected)
      fail("{}: {}.bytes: {} does not match the packed tensor ({} bytes)", where, field, slot.bytes,
           expected);
    if (slot.offset % weights.alignment != 0)
      fail("{}: {}.offset: {} is not a multiple of the alignment {}", where, field, slot.offset,
           weights.alignment);
    if (slot.offset < end)
      fail("{}: {}.offset: {} overlaps the previous slot (which ends at {})", where, field,
           slot.offset, end);
    end = slot.offset + slot.bytes;
    if (end > weights.bytes)
      fail("{}: {}: bytes [{}, {}) lie outside the {} bytes of the weights", where, field,
           slot.offset, end, weights.bytes);
  }
}

} // namespace

void Manifest::validate(std::string_view where) const {
  if (formatVersion != kFormatVersion)
    fail("{}: format version {} is not supported (this runtime reads {})", where, formatVersion,
         kFormatVersion);
  model.validate(fmt::format("{}: model", where));
  if (maxBatch < 1 || maxBatch > kMaxBatch)
    fail("{}: max_batch: {} is out of range (1 to {})", where, maxBatch, kMaxBatch);
  if (maxTokens < 1)
    fail("{}: max_tokens: {} is out of range (at least 1)", where, maxTokens);
  validateFiles(*this, where);
  validatePhases(*this, where);
  validateTarget(*this, where);
  validateShapes(*this, where);
  validateWeights(*this, where);
}

} // namespace gpt2c::artifact
