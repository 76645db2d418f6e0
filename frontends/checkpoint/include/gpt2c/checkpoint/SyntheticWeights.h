#pragma once
// Deterministic synthetic GPT-2 weights (shared/spec/synthetic-weights.md, version 1)
// for any configuration. Values are computed on demand: nothing is stored, so even
// gpt2-xl costs no memory until a tensor is read.
#include "gpt2c/checkpoint/WeightStore.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace gpt2c {

// Element `index` of tensor `name` for `seed`: exact in float32 by construction.
float syntheticWeightValue(std::string_view name, std::uint64_t seed, std::uint64_t index);
// Fills `out` with elements [firstIndex, firstIndex + out.size()) of tensor `name`.
void syntheticWeightValues(std::string_view name, std::uint64_t seed, std::uint64_t firstIndex,
                           std::span<float> out);

class SyntheticWeights final : public WeightStore {
public:
  SyntheticWeights(std::string configName, ModelConfig config, std::uint64_t seed);

  std::string source() const override;
  const ModelConfig &config() const override { return config_; }
  const std::vector<WeightInfo> &weights() const override { return weights_; }
  using WeightStore::readFloat32;
  void readFloat32(const std::string &name, std::span<float> out) const override;
  std::uint64_t seed() const { return seed_; }

private:
  std::string configName_;
  ModelConfig config_;
  std::uint64_t seed_;
  std::vector<WeightInfo> weights_;
};

} // namespace gpt2c
