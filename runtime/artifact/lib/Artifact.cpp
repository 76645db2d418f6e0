#include "gpt2c/artifact/Artifact.h"

#include "FileDigest.h"

#include "gpt2c/artifact/AlignedBuffer.h"
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/MappedFile.h"
#include "gpt2c/support/Sha256.h"

#include <fstream>
#include <sstream>

namespace gpt2c::artifact {
namespace fs = std::filesystem;

// The packed image: a mapping of weights.bin, or a buffer packed at load time.
struct Artifact::WeightMemory {
  std::unique_ptr<MappedFile> mapping;
  AlignedBuffer packed;
  std::span<const std::byte> bytes;
};

namespace {

constexpr std::uintmax_t kMaxManifestBytes = 64u << 20;

std::string readManifestText(const fs::path &directory, const std::string &name) {
  std::error_code error;
  if (!fs::is_directory(directory, error))
    fail("artifact {}: not a directory", name);
  fs::path path = directory / kManifestFile;
  if (!fs::is_regular_file(path, error))
    fail("artifact {}: no {} (not a gpt2c artifact)", name, kManifestFile);
  if (fs::file_size(path, error) > kMaxManifestBytes)
    fail("artifact {}: {} is larger than {} bytes", name, kManifestFile, kMaxManifestBytes);
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  if (!file)
    fail("artifact {}: {}: cannot read", name, kManifestFile);
  return text.str();
}

// Size always, sha256 always: the files of `files` are libraries and tokenizer
// files, small next to the weights.
void checkFiles(const Manifest &manifest, const fs::path &directory, const std::string &name) {
  for (const auto &[fileName, record] : manifest.files) {
    fs::path path = directory / fileName;
    std::error_code error;
    if (!fs::is_regular_file(path, error))
      fail("artifact {}: {} is missing", name, fileName);
    std::uintmax_t size = fs::file_size(path, error);
    if (size != record.bytes)
      fail("artifact {}: {} has {} bytes, the manifest records {}", name, fileName, size,
           record.bytes);
    FileDigest digest = digestFile(path);
    if (digest.sha256 != record.sha256)
      fail("artifact {}: {}: sha256 {} does not match the manifest's {} (modified or corrupted)",
           name, fileName, digest.sha256, record.sha256);
  }
}

// The launch plan file, whose size and sha256 checkFiles has already checked.
LaunchPlan readLaunchPlan(const Manifest &manifest, const fs::path &directory,
                          const std::string &name) {
  const std::string &fileName = *manifest.launchPlan;
  std::ifstream file(directory / fileName, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  if (!file)
    fail("artifact {}: {}: cannot read", name, fileName);
  return LaunchPlan::parse(text.str(), fmt::format("artifact {}: {}", name, fileName), manifest);
}

void checkImageHash(std::span<const std::byte> image, const Weights &weights,
                    const std::string &name) {
  std::string actual =
      sha256Hex({reinterpret_cast<const std::uint8_t *>(image.data()), image.size()});
  if (actual != weights.sha256)
    fail("artifact {}: the weights' sha256 {} does not match the manifest's {} (modified or "
         "corrupted)",
         name, actual, weights.sha256);
}

void mapWeightsFile(Artifact::WeightMemory &memory, const Manifest &manifest,
                    const fs::path &directory, const std::string &name) {
  const std::string &fileName = *manifest.weights.file;
  fs::path path = directory / fileName;
  std::error_code error;
  if (!fs::is_regular_file(path, error))
    fail("artifact {}: {} is missing", name, fileName);
  std::uintmax_t size = fs::file_size(path, error);
  if (size != manifest.weights.bytes)
    fail("artifact {}: {} has {} bytes, the manifest records {}{}", name, fileName, size,
         manifest.weights.bytes, size < manifest.weights.bytes ? " (truncated)" : "");
  memory.mapping = std::make_unique<MappedFile>(path.string());
  auto bytes = memory.mapping->bytes();
  memory.bytes = {reinterpret_cast<const std::byte *>(bytes.data()), bytes.size()};
}

void packExternalWeights(Artifact::WeightMemory &memory, const Manifest &manifest,
                         const fs::path &directory, const std::string &name) {
  std::string source = *manifest.weights.externalSource;
  if (!source.starts_with("synthetic:") && fs::path(source).is_relative())
    source = (directory / source).string();
  try {
    std::unique_ptr<WeightStore> store = openModel(source);
    if (!(store->config() == manifest.model))
      fail("its model configuration differs from the manifest's");
    memory.packed =
        AlignedBuffer(manifest.weights.bytes, manifest.weights.alignment, "the weights");
    for (const WeightSlot &slot : manifest.weights.slots)
      packWeightInto(*store, slot.recipe,
                     {memory.packed.data() + slot.offset, std::size_t(slot.bytes)});
  } catch (const Error &error) {
    fail("artifact {}: external weights {}: {}", name, source, error.what());
  }
  memory.bytes = {memory.packed.data(), memory.packed.size()};
}

} // namespace

void checkCpuFeatures(const Manifest &manifest, const std::string &artifactName,
                      const CpuFeatureProbe &cpuSupports) {
  if (manifest.target.isGpu())
    return;
  for (const std::string &feature : manifest.target.cpuFeatures) {
    std::optional<bool> supported = cpuSupports(feature);
    if (!supported)
      fail("artifact {}: target {} requires CPU feature '{}', which this runtime does not know "
           "(known: {})",
           artifactName, manifest.target.name, feature, fmt::join(knownCpuFeatures(), ", "));
    if (!*supported)
      fail("this CPU lacks {} required by artifact {} (target {})", feature, artifactName,
           manifest.target.name);
  }
}

Manifest readManifest(const fs::path &directory) {
  std::string name = directory.string();
  return Manifest::parse(readManifestText(directory, name),
                         fmt::format("artifact {}: {}", name, kManifestFile));
}

Artifact::Artifact(Artifact &&) noexcept = default;
Artifact &Artifact::operator=(Artifact &&) noexcept = default;
Artifact::~Artifact() = default;

Artifact Artifact::open(const fs::path &directory, const OpenOptions &options) {
  Artifact artifact;
  artifact.directory_ = directory;
  artifact.name_ = directory.string();
  const std::string &name = artifact.name_;
  artifact.manifest_ = readManifest(directory);
  const Manifest &manifest = artifact.manifest_;
  if (options.checkCpuFeatures)
    checkCpuFeatures(manifest, name, options.cpuSupports);
  checkFiles(manifest, directory, name);
  if (manifest.launchPlan)
    artifact.launchPlan_ = readLaunchPlan(manifest, directory, name);

  artifact.weights_ = std::make_unique<WeightMemory>();
  if (manifest.weights.file)
    mapWeightsFile(*artifact.weights_, manifest, directory, name);
  else
    packExternalWeights(*artifact.weights_, manifest, directory, name);
  if (options.verifyWeights) {
    checkImageHash(artifact.weights_->bytes, manifest.weights, name);
    artifact.weightsVerified_ = true;
  }
  for (const WeightSlot &slot : manifest.weights.slots)
    artifact.slotPointers_.push_back(artifact.weights_->bytes.data() + slot.offset);
  return artifact;
}

std::span<const std::byte> Artifact::weightImage() const {
  return weights_ ? weights_->bytes : std::span<const std::byte>();
}

void Artifact::releaseWeightImage() {
  weights_.reset();
  slotPointers_.clear();
}

} // namespace gpt2c::artifact
