#include "gpt2c/checkpoint/ModelConfig.h"

#include "gpt2c/support/Error.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gpt2c {
namespace {

using Json = nlohmann::json;

struct NamedConfig {
  std::string_view name;
  std::int64_t nLayer, nEmbd, nHead, nPositions;
};

constexpr NamedConfig kNamedConfigs[] = {
    {"tiny", 2, 64, 4, 128},          {"gpt2", 12, 768, 12, 1024},
    {"gpt2-medium", 24, 1024, 16, 1024}, {"gpt2-large", 36, 1280, 20, 1024},
    {"gpt2-xl", 48, 1600, 25, 1024},
};

std::int64_t requiredInt(const Json &json, const char *key, std::string_view where) {
  auto it = json.find(key);
  if (it == json.end())
    fail("{}: missing required key '{}'", where, key);
  if (!it->is_number_integer())
    fail("{}: '{}' must be an integer, got {}", where, key, it->dump());
  return it->get<std::int64_t>();
}

// Keys whose non-default values change the computation in ways gpt2c does not implement.
void refuseUnsupported(const Json &json, std::string_view where) {
  auto expectBool = [&](const char *key, bool supported) {
    auto it = json.find(key);
    if (it == json.end() || it->is_null())
      return;
    if (!it->is_boolean() || it->get<bool>() != supported)
      fail("{}: unsupported {} = {} (gpt2c implements {})", where, key, it->dump(), supported);
  };
  expectBool("scale_attn_weights", true);
  expectBool("scale_attn_by_inverse_layer_idx", false);
  expectBool("add_cross_attention", false);
  if (auto it = json.find("model_type"); it != json.end() && *it != "gpt2")
    fail("{}: unsupported model_type {} (gpt2c implements \"gpt2\")", where, it->dump());
  if (auto it = json.find("activation_function"); it != json.end()) {
    if (!it->is_string() || (*it != "gelu_new" && *it != "gelu_pytorch_tanh"))
      fail("{}: unsupported activation_function {} (gpt2c implements the tanh GELU, "
           "\"gelu_new\")",
           where, it->dump());
  }
}

} // namespace

std::int64_t ModelConfig::parameterCount() const {
  std::int64_t perLayer = 2 * nEmbd + nEmbd * 3 * nEmbd + 3 * nEmbd + nEmbd * nEmbd + nEmbd +
                          2 * nEmbd + nEmbd * nInner + nInner + nInner * nEmbd + nEmbd;
  std::int64_t total = vocabSize * nEmbd + nPositions * nEmbd + nLayer * perLayer + 2 * nEmbd;
  return tieWordEmbeddings ? total : total + vocabSize * nEmbd;
}

void ModelConfig::validate(std::string_view where) const {
  auto positive = [&](const char *key, std::int64_t value, std::int64_t limit) {
    if (value <= 0 || value > limit)
      fail("{}: {} = {} is out of range (1 to {})", where, key, value, limit);
  };
  positive("n_layer", nLayer, 1024);
  positive("n_embd", nEmbd, 1 << 16);
  positive("n_head", nHead, 1024);
  positive("n_positions", nPositions, 1 << 20);
  positive("vocab_size", vocabSize, 1 << 24);
  positive("n_inner", nInner, 1 << 18);
  if (nEmbd % nHead != 0)
    fail("{}: n_head = {} does not divide n_embd = {}", where, nHead, nEmbd);
  if (!(layerNormEpsilon > 0.0 && layerNormEpsilon < 1.0))
    fail("{}: layer_norm_epsilon = {} is out of range (0, 1)", where, layerNormEpsilon);
}

std::string ModelConfig::toHfJson() const {
  Json json = {
      {"architectures", {"GPT2LMHeadModel"}},
      {"model_type", "gpt2"},
      {"vocab_size", vocabSize},
      {"n_positions", nPositions},
      {"n_embd", nEmbd},
      {"n_layer", nLayer},
      {"n_head", nHead},
      {"n_inner", nInner == 4 * nEmbd ? Json(nullptr) : Json(nInner)},
      {"activation_function", "gelu_new"},
      {"layer_norm_epsilon", layerNormEpsilon},
      {"tie_word_embeddings", tieWordEmbeddings},
      {"scale_attn_weights", true},
      {"bos_token_id", 50256},
      {"eos_token_id", 50256},
      {"torch_dtype", "float32"},
  };
  return json.dump(1) + "\n";
}

ModelConfig parseHfConfig(std::string_view text, std::string_view where) {
  Json json = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded())
    fail("{}: malformed JSON", where);
  if (!json.is_object())
    fail("{}: expected a JSON object", where);
  refuseUnsupported(json, where);

  ModelConfig config;
  config.nLayer = requiredInt(json, "n_layer", where);
  config.nEmbd = requiredInt(json, "n_embd", where);
  config.nHead = requiredInt(json, "n_head", where);
  config.nPositions = requiredInt(json, "n_positions", where);
  config.vocabSize = requiredInt(json, "vocab_size", where);
  config.nInner = 4 * config.nEmbd;
  if (auto it = json.find("n_inner"); it != json.end() && !it->is_null())
    config.nInner = requiredInt(json, "n_inner", where);
  if (auto it = json.find("layer_norm_epsilon"); it != json.end()) {
    if (!it->is_number())
      fail("{}: 'layer_norm_epsilon' must be a number, got {}", where, it->dump());
    config.layerNormEpsilon = it->get<double>();
  }
  if (auto it = json.find("tie_word_embeddings"); it != json.end()) {
    if (!it->is_boolean())
      fail("{}: 'tie_word_embeddings' must be true or false, got {}", where, it->dump());
    config.tieWordEmbeddings = it->get<bool>();
  }
  // Old checkpoints also carry n_ctx, which must then agree with n_positions.
  if (auto it = json.find("n_ctx"); it != json.end() && it->is_number_integer() &&
                                    it->get<std::int64_t>() != config.nPositions)
    fail("{}: n_ctx = {} disagrees with n_positions = {}", where, it->get<std::int64_t>(),
         config.nPositions);
  config.validate(where);
  return config;
}

ModelConfig readHfConfig(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    fail("{}: cannot open", path);
  std::ostringstream text;
  text << file.rdbuf();
  return parseHfConfig(text.str(), path);
}

std::optional<ModelConfig> namedConfig(std::string_view name) {
  for (const NamedConfig &named : kNamedConfigs) {
    if (named.name != name)
      continue;
    ModelConfig config;
    config.nLayer = named.nLayer;
    config.nEmbd = named.nEmbd;
    config.nHead = named.nHead;
    config.nPositions = named.nPositions;
    config.vocabSize = 50257;
    config.nInner = 4 * named.nEmbd;
    return config;
  }
  return std::nullopt;
}

std::vector<std::string_view> namedConfigNames() {
  std::vector<std::string_view> names;
  for (const NamedConfig &named : kNamedConfigs)
    names.push_back(named.name);
  return names;
}

std::vector<TensorSpec> expectedTensors(const ModelConfig &config) {
  const std::int64_t e = config.nEmbd, inner = config.nInner;
  std::vector<TensorSpec> specs = {{"wte.weight", {config.vocabSize, e}},
                                   {"wpe.weight", {config.nPositions, e}}};
  for (std::int64_t layer = 0; layer < config.nLayer; ++layer) {
    std::string prefix = fmt::format("h.{}.", layer);
    auto add = [&](const char *suffix, std::vector<std::int64_t> shape) {
      specs.push_back({prefix + suffix, std::move(shape)});
    };
    add("ln_1.weight", {e});
    add("ln_1.bias", {e});
    add("attn.c_attn.weight", {e, 3 * e});
    add("attn.c_attn.bias", {3 * e});
    add("attn.c_proj.weight", {e, e});
    add("attn.c_proj.bias", {e});
    add("ln_2.weight", {e});
    add("ln_2.bias", {e});
    add("mlp.c_fc.weight", {e, inner});
    add("mlp.c_fc.bias", {inner});
    add("mlp.c_proj.weight", {inner, e});
    add("mlp.c_proj.bias", {e});
  }
  specs.push_back({"ln_f.weight", {e}});
  specs.push_back({"ln_f.bias", {e}});
  if (!config.tieWordEmbeddings)
    specs.push_back({"lm_head.weight", {config.vocabSize, e}});
  return specs;
}

} // namespace gpt2c
