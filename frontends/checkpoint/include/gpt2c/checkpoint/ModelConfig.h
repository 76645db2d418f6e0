#pragma once
// The GPT-2 hyper-parameters gpt2c understands, read from a Hugging Face
// `config.json` or taken from a named synthetic configuration.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c {

struct ModelConfig {
  std::int64_t nLayer = 0;
  std::int64_t nEmbd = 0;
  std::int64_t nHead = 0;
  std::int64_t nPositions = 0;
  std::int64_t vocabSize = 0;
  std::int64_t nInner = 0; // 4 * nEmbd unless the config sets it
  double layerNormEpsilon = 1e-5;
  bool tieWordEmbeddings = true;

  std::int64_t headDim() const { return nEmbd / nHead; }
  // Number of weights, counting the tied LM head once.
  std::int64_t parameterCount() const;
  // Throws gpt2c::Error, prefixed with `where`, when the values do not describe a valid GPT-2.
  void validate(std::string_view where) const;
  // A Hugging Face config.json for this configuration.
  std::string toHfJson() const;
  bool operator==(const ModelConfig &) const = default;
};

// Parses the text of a Hugging Face GPT-2 config.json; `where` names it in errors.
// Refuses settings gpt2c does not implement instead of ignoring them.
ModelConfig parseHfConfig(std::string_view json, std::string_view where);
ModelConfig readHfConfig(const std::string &path);

// Named configurations of the GPT-2 family (tiny, gpt2, gpt2-medium, gpt2-large, gpt2-xl).
std::optional<ModelConfig> namedConfig(std::string_view name);
std::vector<std::string_view> namedConfigNames();

// A tensor the GPT-2 architecture needs, by canonical name (without `transformer.`).
struct TensorSpec {
  std::string name;
  std::vector<std::int64_t> shape;
};
// Every tensor of the model in checkpoint order; `lm_head.weight` only when untied.
std::vector<TensorSpec> expectedTensors(const ModelConfig &config);

} // namespace gpt2c
