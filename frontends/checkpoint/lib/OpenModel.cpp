#include "gpt2c/checkpoint/HfCheckpoint.h"
#include "gpt2c/checkpoint/SyntheticWeights.h"
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/support/Error.h"

#include <charconv>

namespace gpt2c {

std::unique_ptr<WeightStore> openModel(const std::string &model) {
  constexpr std::string_view kSynthetic = "synthetic:";
  if (!model.starts_with(kSynthetic))
    return std::make_unique<HfCheckpoint>(model);

  std::string_view spec = std::string_view(model).substr(kSynthetic.size());
  std::string_view configName = spec.substr(0, spec.find(':'));
  std::uint64_t seed = 1;
  if (configName.size() < spec.size()) {
    std::string_view seedText = spec.substr(configName.size() + 1);
    auto [end, error] = std::from_chars(seedText.data(), seedText.data() + seedText.size(), seed);
    if (seedText.empty() || error != std::errc() || end != seedText.data() + seedText.size())
      fail("{}: invalid seed '{}' (expected a non-negative integer)", model, seedText);
  }
  auto config = namedConfig(configName);
  if (!config)
    fail("{}: unknown synthetic configuration '{}' (known: {})", model, configName,
         fmt::join(namedConfigNames(), ", "));
  return std::make_unique<SyntheticWeights>(std::string(configName), *config, seed);
}

} // namespace gpt2c
