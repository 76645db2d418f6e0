// config.json parsing: the fields gpt2c reads, defaults, and refusals.
#include "gpt2c/checkpoint/ModelConfig.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>

namespace gpt2c {
namespace {

constexpr const char *kGpt2Config = R"({
  "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
  "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768,
  "n_head": 12, "n_inner": null, "n_layer": 12, "n_positions": 1024,
  "scale_attn_weights": true, "vocab_size": 50257, "attn_pdrop": 0.1
})";

std::string errorOf(const std::string &json) {
  try {
    parseHfConfig(json, "config.json");
  } catch (const Error &error) {
    return error.what();
  }
  return "";
}

TEST(ModelConfig, ParsesOpenAiGpt2Config) {
  ModelConfig config = parseHfConfig(kGpt2Config, "config.json");
  EXPECT_EQ(config.nLayer, 12);
  EXPECT_EQ(config.nEmbd, 768);
  EXPECT_EQ(config.nHead, 12);
  EXPECT_EQ(config.nPositions, 1024);
  EXPECT_EQ(config.vocabSize, 50257);
  EXPECT_EQ(config.nInner, 3072); // null means 4 * n_embd
  EXPECT_DOUBLE_EQ(config.layerNormEpsilon, 1e-5);
  EXPECT_TRUE(config.tieWordEmbeddings);
  EXPECT_EQ(config.headDim(), 64);
  EXPECT_EQ(config.parameterCount(), 124'439'808); // the published GPT-2 small count
  EXPECT_EQ(config, *namedConfig("gpt2"));
}

TEST(ModelConfig, NamedConfigsHaveThePublishedSizes) {
  EXPECT_EQ(namedConfig("gpt2-medium")->parameterCount(), 354'823'168);
  EXPECT_EQ(namedConfig("gpt2-large")->parameterCount(), 774'030'080);
  EXPECT_EQ(namedConfig("gpt2-xl")->parameterCount(), 1'557'611'200);
  EXPECT_EQ(namedConfig("tiny")->nLayer, 2);
  EXPECT_FALSE(namedConfig("gpt3").has_value());
}

TEST(ModelConfig, ReadsExplicitInnerWidthAndUntiedHead) {
  ModelConfig config = parseHfConfig(
      R"({"n_layer":2,"n_embd":64,"n_head":4,"n_positions":128,"vocab_size":100,"n_inner":100,)"
      R"("tie_word_embeddings":false,"activation_function":"gelu_pytorch_tanh"})",
      "c");
  EXPECT_EQ(config.nInner, 100);
  EXPECT_FALSE(config.tieWordEmbeddings);
}

TEST(ModelConfig, RoundTripsThroughHfJson) {
  ModelConfig config = *namedConfig("gpt2-xl");
  EXPECT_EQ(parseHfConfig(config.toHfJson(), "roundtrip"), config);
}

TEST(ModelConfig, RefusesUnsupportedOrInconsistentValues) {
  EXPECT_NE(errorOf("{").find("config.json: malformed JSON"), std::string::npos);
  EXPECT_NE(errorOf("[]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(errorOf(R"({"n_embd":768})").find("missing required key 'n_layer'"), std::string::npos);
  std::string base = R"("n_layer":2,"n_embd":64,"n_positions":128,"vocab_size":100)";
  EXPECT_NE(errorOf("{" + base + R"(,"n_head":5})").find("n_head = 5 does not divide n_embd = 64"),
            std::string::npos);
  EXPECT_NE(errorOf("{" + base + R"(,"n_head":"4"})").find("'n_head' must be an integer"),
            std::string::npos);
  EXPECT_NE(errorOf("{" + base + R"(,"n_head":0})").find("n_head = 0 is out of range"),
            std::string::npos);
  EXPECT_NE(errorOf("{" + base + R"(,"n_head":4,"activation_function":"relu"})")
                .find("unsupported activation_function \"relu\""),
            std::string::npos);
  EXPECT_NE(errorOf("{" + base + R"(,"n_head":4,"scale_attn_by_inverse_layer_idx":true})")
                .find("unsupported scale_attn_by_inverse_layer_idx"),
            std::string::npos);
  EXPECT_NE(errorOf("{" + base + R"(,"n_head":4,"model_type":"llama"})")
                .find("unsupported model_type"),
            std::string::npos);
  EXPECT_NE(errorOf("{" + base + R"(,"n_head":4,"n_ctx":64})").find("n_ctx = 64 disagrees"),
            std::string::npos);
  EXPECT_NE(errorOf("{" + base + R"(,"n_head":4,"layer_norm_epsilon":-1})")
                .find("layer_norm_epsilon = -1 is out of range"),
            std::string::npos);
}

} // namespace
} // namespace gpt2c
