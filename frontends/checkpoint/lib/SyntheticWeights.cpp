#include "gpt2c/checkpoint/SyntheticWeights.h"

#include "gpt2c/support/Error.h"

namespace gpt2c {
namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t hash = 0xCBF29CE484222325ull;
  for (unsigned char byte : text) {
    hash ^= byte;
    hash *= 0x100000001B3ull;
  }
  return hash;
}

// The spec scales r in [-1, 1) by a power of two per tensor kind and, for layer-norm
// gains, adds 1: each value is exact or rounded once.
struct ValueRule {
  float scale;
  float offset;
};

ValueRule ruleFor(std::string_view name) {
  bool isGain = name == "ln_f.weight" || name.ends_with(".ln_1.weight") ||
                name.ends_with(".ln_2.weight");
  if (isGain)
    return {0x1p-3f, 1.0f};
  if (name == "wpe.weight")
    return {0x1p-6f, 0.0f};
  return {0x1p-5f, 0.0f};
}

inline float valueAt(std::uint64_t state, std::uint64_t index, ValueRule rule) {
  std::uint64_t z = state + (index + 1) * kGolden;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  float u = static_cast<float>(z >> 40) * 0x1p-24f;
  float r = 2.0f * u - 1.0f;
  return rule.offset + r * rule.scale;
}

} // namespace

float syntheticWeightValue(std::string_view name, std::uint64_t seed, std::uint64_t index) {
  return valueAt(fnv1a64(name) ^ (seed * kGolden), index, ruleFor(name));
}

void syntheticWeightValues(std::string_view name, std::uint64_t seed, std::uint64_t firstIndex,
                           std::span<float> out) {
  std::uint64_t state = fnv1a64(name) ^ (seed * kGolden);
  ValueRule rule = ruleFor(name);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = valueAt(state, firstIndex + i, rule);
}

SyntheticWeights::SyntheticWeights(std::string configName, ModelConfig config, std::uint64_t seed)
    : configName_(std::move(configName)), config_(config), seed_(seed) {
  config_.validate(source());
  for (TensorSpec &spec : expectedTensors(config_))
    weights_.push_back({std::move(spec.name), DType::F32, std::move(spec.shape)});
}

std::string SyntheticWeights::source() const {
  return fmt::format("synthetic:{}:{}", configName_, seed_);
}

void SyntheticWeights::readFloat32(const std::string &name, std::span<float> out) const {
  const WeightInfo &info = weight(name);
  if (out.size() != static_cast<std::size_t>(info.elementCount()))
    fail("{}: tensor '{}': destination holds {} values, tensor has {}", source(), name,
         out.size(), info.elementCount());
  syntheticWeightValues(name, seed_, 0, out);
}

} // namespace gpt2c
