#include "gpt2c/artifact/ArtifactWriter.h"

#include "FileDigest.h"

#include "gpt2c/artifact/LaunchPlan.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/Sha256.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include <fstream>
#include <set>
#include <sstream>

namespace gpt2c::artifact {
namespace fs = std::filesystem;
namespace {

std::uint64_t alignUp(std::uint64_t value, std::uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

// Slot offsets: each slot starts on the next multiple of the alignment.
Weights layoutWeights(const WeightStore &store, const std::vector<PackingRecipe> &recipes) {
  Weights weights;
  std::uint64_t end = 0;
  for (const PackingRecipe &recipe : recipes) {
    const WeightInfo *info = store.findWeight(recipe.tensor);
    if (!info)
      fail("artifact writer: {} has no tensor '{}'", store.source(), recipe.tensor);
    WeightSlot slot{recipe, alignUp(end, weights.alignment), packedByteSize(recipe, info->shape)};
    end = slot.offset + slot.bytes;
    weights.slots.push_back(std::move(slot));
  }
  weights.bytes = end;
  return weights;
}

// Packs every slot in order, zero padding included, into `out` (when given) and
// the hash; returns the image's sha256.
std::string packImage(const WeightStore &store, const Weights &weights, std::ofstream *out,
                      const fs::path &outPath) {
  Sha256 hash;
  std::uint64_t written = 0;
  auto emit = [&](std::span<const std::byte> bytes) {
    if (bytes.empty())
      return; // no padding: nothing to hash or write
    hash.update({reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size()});
    if (out &&
        !out->write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size())))
      fail("{}: write failed", outPath.string());
    written += bytes.size();
  };
  for (const WeightSlot &slot : weights.slots) {
    std::vector<std::byte> padding(slot.offset - written);
    emit(padding);
    emit(packWeight(store, slot.recipe));
  }
  return hash.hexDigest();
}

// Copies `source` into the artifact as `name` and records its size and hash.
void copyInto(const fs::path &source, const fs::path &directory, const std::string &name,
              Manifest &manifest) {
  std::error_code error;
  if (!fs::is_regular_file(source, error))
    fail("artifact writer: {}: not a file", source.string());
  if (!fs::copy_file(source, directory / name, fs::copy_options::overwrite_existing, error))
    fail("artifact writer: cannot copy {} into the artifact: {}", source.string(), error.message());
  // The copy keeps the source's permissions; a read-only tokenizer file must not
  // make the artifact awkward to replace or edit.
  fs::permissions(directory / name, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::add, error);
  FileDigest digest = digestFile(directory / name);
  manifest.files[name] = FileRecord{digest.bytes, digest.sha256};
}

void copyLibraries(const ArtifactSpec &spec, const fs::path &directory, Manifest &manifest) {
  std::map<std::string, fs::path> sources; // file name in the artifact -> library copied
  for (const PhaseSpec &phase : spec.phases) {
    if (manifest.phases.contains(phase.name))
      fail("artifact writer: phase {} is given twice", phase.name);
    std::string name = phase.library.filename().string();
    if (name.empty() || name == kManifestFile || name == kWeightsFile || name == kLaunchPlanFile ||
        name == "vocab.json" || name == "merges.txt")
      fail("artifact writer: phase {}: '{}' cannot be a library's file name", phase.name,
           phase.library.string());
    auto [existing, added] = sources.emplace(name, phase.library);
    std::error_code error;
    if (!added && !fs::equivalent(existing->second, phase.library, error))
      fail("artifact writer: phases name two different libraries called {} ({} and {})", name,
           existing->second.string(), phase.library.string());
    if (added)
      copyInto(phase.library, directory, name, manifest);
    // A shared library exports gpt2c_run_<phase>; a launch plan names its phases.
    std::string defaultEntry = spec.target.isGpu() ? phase.name : "gpt2c_run_" + phase.name;
    manifest.phases[phase.name] =
        Phase{name, phase.entry.empty() ? defaultEntry : phase.entry, phase.logits};
  }
}

// Copies the launch plan in and parses the copy against the finished manifest.
void copyLaunchPlan(const fs::path &source, const fs::path &directory, Manifest &manifest) {
  std::string name(kLaunchPlanFile);
  copyInto(source, directory, name, manifest);
  manifest.launchPlan = name;
}

void checkLaunchPlan(const Manifest &manifest, const fs::path &directory,
                     const std::string &where) {
  std::ifstream file(directory / *manifest.launchPlan, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  LaunchPlan::parse(text.str(), fmt::format("{}: {}", where, *manifest.launchPlan), manifest);
}

void copyTokenizer(const fs::path &source, const fs::path &directory, Manifest &manifest) {
  Tokenizer::fromDirectory(source); // refuse broken files now rather than at every load
  TokenizerFiles files;
  copyInto(source / "vocab.json", directory, files.vocab, manifest);
  copyInto(source / "merges.txt", directory, files.merges, manifest);
  manifest.tokenizer = files;
}

// `directory` may be replaced only when it is an artifact or empty: never a
// directory of someone's files given by mistake.
void checkReplaceable(const fs::path &directory) {
  std::error_code error;
  if (!fs::exists(directory, error))
    return;
  bool artifact = fs::is_regular_file(directory / kManifestFile, error);
  if (!fs::is_directory(directory, error) || !(artifact || fs::is_empty(directory, error)))
    fail("artifact writer: {} exists and is not a gpt2c artifact; refusing to replace it",
         directory.string());
}

void moveIntoPlace(const fs::path &partial, const fs::path &directory) {
  std::error_code error;
  fs::path previous = directory.string() + ".previous";
  fs::remove_all(previous, error);
  if (fs::exists(directory, error)) {
    fs::rename(directory, previous, error);
    if (error)
      fail("artifact writer: cannot move the old {} aside: {}", directory.string(),
           error.message());
  }
  fs::rename(partial, directory, error);
  if (error)
    fail("artifact writer: cannot rename {} to {}: {}", partial.string(), directory.string(),
         error.message());
  fs::remove_all(previous, error);
}

} // namespace

ArtifactWriter::ArtifactWriter(ArtifactSpec spec) : spec_(std::move(spec)) {}

Manifest ArtifactWriter::write(const WeightStore &store, const fs::path &requested) const {
  fs::path directory = requested.lexically_normal();
  if (directory.filename().empty())
    directory = directory.parent_path();
  if (directory.empty())
    fail("artifact writer: no output directory");
  checkReplaceable(directory);
  if (spec_.target.isGpu() != spec_.launchPlan.has_value())
    fail("artifact writer: target {} {}", spec_.target.name,
         spec_.target.isGpu() ? "is a GPU target and needs a launch plan"
                              : "is not a GPU target and takes no launch plan");
  const ModelConfig &config = store.config();

  Manifest manifest;
  manifest.model = config;
  manifest.modelSource = store.source();
  manifest.target = spec_.target;
  manifest.maxBatch = spec_.maxBatch;
  manifest.kvCache = {config.nLayer, config.nHead,
                      spec_.kvCapacity ? spec_.kvCapacity : config.nPositions, config.headDim(),
                      "f32"};
  manifest.maxTokens = spec_.maxTokens ? spec_.maxTokens : manifest.kvCache.capacity;
  manifest.scratchBytes = spec_.scratchBytes;
  manifest.weights = layoutWeights(store, spec_.weights);

  fs::path partial = directory.string() + ".partial";
  std::error_code error;
  fs::remove_all(partial, error);
  if (!fs::create_directories(partial, error))
    fail("artifact writer: cannot create {}: {}", partial.string(), error.message());
  try {
    copyLibraries(spec_, partial, manifest);
    std::string where = fmt::format("artifact writer: {}", directory.string());
    if (spec_.launchPlan) {
      copyLaunchPlan(*spec_.launchPlan, partial, manifest);
      checkLaunchPlan(manifest, partial, where); // before packing: it needs no weights
    }
    if (spec_.tokenizerDir)
      copyTokenizer(*spec_.tokenizerDir, partial, manifest);
    if (spec_.externalWeights) {
      std::string source = store.source();
      if (!source.starts_with("synthetic:"))
        source = fs::absolute(source).lexically_normal().string(); // found from anywhere
      manifest.weights.externalSource = source;
      manifest.weights.sha256 = packImage(store, manifest.weights, nullptr, {});
    } else {
      manifest.weights.file = std::string(kWeightsFile);
      fs::path path = partial / kWeightsFile;
      std::ofstream out(path, std::ios::binary);
      if (!out)
        fail("{}: cannot create", path.string());
      manifest.weights.sha256 = packImage(store, manifest.weights, &out, path);
      out.close();
      if (!out)
        fail("{}: write failed", path.string());
    }
    // The reader's checks, so that the writer never produces what it refuses.
    manifest.validate(where);
    std::ofstream out(partial / kManifestFile, std::ios::binary);
    out << manifest.toJson();
    out.close();
    if (!out)
      fail("{}: write failed", (partial / kManifestFile).string());
    moveIntoPlace(partial, directory);
  } catch (...) {
    fs::remove_all(partial, error);
    throw;
  }
  return manifest;
}

std::optional<fs::path> tokenizerToCarry(const std::string &model, const std::string &given) {
  if (!given.empty())
    return fs::path(given);
  if (!model.starts_with("synthetic:") && fs::is_regular_file(fs::path(model) / "vocab.json") &&
      fs::is_regular_file(fs::path(model) / "merges.txt"))
    return fs::path(model);
  return std::nullopt;
}

} // namespace gpt2c::artifact
