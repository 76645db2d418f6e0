#include "gpt2c/checkpoint/HfCheckpoint.h"

#include "gpt2c/support/Error.h"
#include "gpt2c/support/FloatFormats.h"

#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

namespace gpt2c {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; gpt2c reads it in place");

constexpr std::string_view kTransformerPrefix = "transformer.";

std::string canonicalName(const std::string &name) {
  if (name.starts_with(kTransformerPrefix))
    return name.substr(kTransformerPrefix.size());
  return name;
}

// The causal-mask buffers older transformers versions saved with each layer.
bool isIgnoredBuffer(const std::string &canonical) {
  static const std::regex buffer(R"(h\.[0-9]+\.attn\.(bias|masked_bias))");
  return std::regex_match(canonical, buffer);
}

std::string shapeString(const std::vector<std::int64_t> &shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

std::string readTextFile(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    fail("{}: cannot open", path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

} // namespace

HfCheckpoint::HfCheckpoint(std::string directory) : directory_(std::move(directory)) {
  if (!fs::is_directory(directory_))
    fail("{}: not a directory (expected a Hugging Face GPT-2 checkpoint)", directory_);
  fs::path dir(directory_);
  std::string configPath = (dir / "config.json").string();
  if (!fs::exists(configPath))
    fail("{}: missing file (every Hugging Face checkpoint has one)", configPath);
  config_ = readHfConfig(configPath);

  fs::path index = dir / "model.safetensors.index.json";
  fs::path single = dir / "model.safetensors";
  if (fs::exists(index))
    loadShards(index.string());
  else if (fs::exists(single))
    loadSingleFile(single.string());
  else if (fs::exists(dir / "pytorch_model.bin"))
    fail("{}: only safetensors checkpoints are supported (found pytorch_model.bin)", directory_);
  else
    fail("{}: missing model.safetensors (or model.safetensors.index.json for shards)",
         directory_);
  validateAgainstConfig();
}

void HfCheckpoint::loadSingleFile(const std::string &path) {
  files_.push_back(SafeTensorsFile::open(path));
  addFileTensors(*files_.back(), nullptr);
}

void HfCheckpoint::loadShards(const std::string &indexPath) {
  std::string text = readTextFile(indexPath);
  Json index = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (index.is_discarded())
    fail("{}: malformed JSON", indexPath);
  auto weightMap = index.find("weight_map");
  if (!index.is_object() || weightMap == index.end() || !weightMap->is_object())
    fail("{}: missing 'weight_map' object", indexPath);

  std::map<std::string, std::set<std::string>> namesByShard; // shard file -> tensor names
  for (auto &[name, shard] : weightMap->items()) {
    if (!shard.is_string())
      fail("{}: tensor '{}': shard file name is not a string", indexPath, name);
    std::string shardName = shard.get<std::string>();
    if (shardName.empty() || shardName.find('/') != std::string::npos || shardName == "." ||
        shardName == "..")
      fail("{}: tensor '{}': invalid shard file name '{}'", indexPath, name, shardName);
    namesByShard[shardName].insert(name);
  }
  if (namesByShard.empty())
    fail("{}: 'weight_map' lists no tensors", indexPath);
  for (auto &[shardName, names] : namesByShard) {
    std::string shardPath = (fs::path(directory_) / shardName).string();
    if (!fs::exists(shardPath))
      fail("{}: missing shard file named in {}", shardPath, indexPath);
    files_.push_back(SafeTensorsFile::open(shardPath));
    const SafeTensorsFile &file = *files_.back();
    for (const std::string &name : names)
      if (!file.find(name))
        fail("{}: tensor '{}': listed in {} but not in this shard", shardPath, name,
             fs::path(indexPath).filename().string());
    addFileTensors(file, &names);
  }
}

// Registers the tensors of one file under their canonical names. With an index,
// tensors the index does not assign to this file are refused: a tensor stored
// twice, or stored where the index does not say, is ambiguous.
void HfCheckpoint::addFileTensors(const SafeTensorsFile &file,
                                  const std::set<std::string> *index) {
  for (const auto &[name, entry] : file.tensors()) {
    if (index && !index->contains(name))
      fail("{}: tensor '{}': not assigned to this shard by model.safetensors.index.json",
           file.where(), name);
    std::string canonical = canonicalName(name);
    auto [it, inserted] = located_.emplace(canonical, Located{&file, &entry});
    if (!inserted)
      fail("{}: tensor '{}': stored twice (also as '{}' in {})", file.where(), name,
           it->second.entry->name, it->second.file->where());
  }
}

void HfCheckpoint::validateAgainstConfig() {
  std::set<std::string> expectedNames;
  for (const TensorSpec &spec : expectedTensors(config_)) {
    expectedNames.insert(spec.name);
    auto it = located_.find(spec.name);
    if (it == located_.end())
      fail("{}: missing tensor '{}' (shape {})", directory_, spec.name, shapeString(spec.shape));
    const auto &[file, entry] = it->second;
    if (!isWeightDType(entry->dtype))
      fail("{}: tensor '{}': unsupported dtype {} (gpt2c reads F32, F16 and BF16)", file->where(),
           entry->name, dtypeName(entry->dtype));
    if (entry->shape != spec.shape)
      fail("{}: tensor '{}': shape {} does not match {} required by config.json", file->where(),
           entry->name, shapeString(entry->shape), shapeString(spec.shape));
    weights_.push_back({spec.name, entry->dtype, entry->shape});
  }
  for (const auto &[canonical, located] : located_) {
    if (expectedNames.contains(canonical) || isIgnoredBuffer(canonical))
      continue;
    if (canonical == "lm_head.weight" && config_.tieWordEmbeddings)
      continue; // tied: transformers replaces it by wte.weight
    fail("{}: unexpected tensor '{}' (not part of a GPT-2 with this config.json)",
         located.file->where(), located.entry->name);
  }
}

const HfCheckpoint::Located &HfCheckpoint::locate(const std::string &name) const {
  auto it = located_.find(name);
  if (it == located_.end() || !findWeight(name))
    fail("{}: no tensor '{}'", directory_, name);
  return it->second;
}

void HfCheckpoint::readFloat32(const std::string &name, std::span<float> out) const {
  const auto &[file, entry] = locate(name);
  auto count = static_cast<std::size_t>(entry->elementCount());
  if (out.size() != count)
    fail("{}: tensor '{}': destination holds {} values, tensor has {}", file->where(), name,
         out.size(), count);
  const std::uint8_t *bytes = entry->bytes.data();
  switch (entry->dtype) {
  case DType::F32:
    std::memcpy(out.data(), bytes, count * sizeof(float));
    return;
  case DType::F16:
  case DType::BF16: {
    auto widen = entry->dtype == DType::F16 ? halfToFloat : bfloat16ToFloat;
    for (std::size_t i = 0; i < count; ++i) {
      std::uint16_t bits;
      std::memcpy(&bits, bytes + 2 * i, sizeof bits);
      out[i] = widen(bits);
    }
    return;
  }
  default:
    fail("{}: tensor '{}': unsupported dtype {}", file->where(), name, dtypeName(entry->dtype));
  }
}

std::optional<std::span<const std::uint8_t>>
HfCheckpoint::storedBytes(const std::string &name) const {
  return locate(name).entry->bytes;
}

std::vector<std::string> HfCheckpoint::files() const {
  std::vector<std::string> paths;
  for (const auto &file : files_)
    paths.push_back(file->where());
  return paths;
}

} // namespace gpt2c
