// Hugging Face directories: single file and shards, every dtype, name variants,
// and every bad-input case of the importer's contract.
#include "gpt2c/checkpoint/HfCheckpoint.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/FloatFormats.h"

#include "SafeTensorsImage.h"
#include "TestSupport.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>

namespace gpt2c {
namespace {

using Json = nlohmann::ordered_json;

// A 1-layer GPT-2 small enough to spell out: E=4, H=2, 3 positions, 5 tokens.
constexpr const char *kTinyConfig = R"({"n_layer":1,"n_embd":4,"n_head":2,"n_positions":3,)"
                                    R"("vocab_size":5,"model_type":"gpt2"})";

struct TensorData {
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;
};

// Element i of every tensor is i/8 + (tensor index), exact in F32, F16 and BF16.
float referenceValue(std::size_t tensorIndex, std::int64_t i) {
  return float(i) / 8.0f + float(tensorIndex);
}

std::map<std::string, TensorData> tinyTensors(const std::string &dtype,
                                              const std::string &prefix = "") {
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> specs = {
      {"wte.weight", {5, 4}},         {"wpe.weight", {3, 4}},
      {"h.0.ln_1.weight", {4}},       {"h.0.ln_1.bias", {4}},
      {"h.0.attn.c_attn.weight", {4, 12}}, {"h.0.attn.c_attn.bias", {12}},
      {"h.0.attn.c_proj.weight", {4, 4}},  {"h.0.attn.c_proj.bias", {4}},
      {"h.0.ln_2.weight", {4}},       {"h.0.ln_2.bias", {4}},
      {"h.0.mlp.c_fc.weight", {4, 16}},    {"h.0.mlp.c_fc.bias", {16}},
      {"h.0.mlp.c_proj.weight", {16, 4}},  {"h.0.mlp.c_proj.bias", {4}},
      {"ln_f.weight", {4}},           {"ln_f.bias", {4}}};
  std::map<std::string, TensorData> tensors;
  for (std::size_t t = 0; t < specs.size(); ++t) {
    auto &[name, shape] = specs[t];
    std::int64_t count = 1;
    for (auto extent : shape)
      count *= extent;
    TensorData data{dtype, shape, {}};
    for (std::int64_t i = 0; i < count; ++i) {
      float value = referenceValue(t, i);
      if (dtype == "F32") {
        auto bytes = test::rawBytes(std::vector<float>{value});
        data.bytes.insert(data.bytes.end(), bytes.begin(), bytes.end());
      } else {
        std::uint16_t bits = dtype == "F16" ? floatToHalf(value) : floatToBfloat16(value);
        data.bytes.push_back(std::uint8_t(bits));
        data.bytes.push_back(std::uint8_t(bits >> 8));
      }
    }
    tensors[prefix + name] = std::move(data);
  }
  return tensors;
}

std::vector<std::uint8_t> encode(const std::map<std::string, TensorData> &tensors) {
  Json header = Json::object();
  std::vector<std::uint8_t> data;
  for (auto &[name, tensor] : tensors) {
    header[name] = {{"dtype", tensor.dtype},
                    {"shape", tensor.shape},
                    {"data_offsets", {data.size(), data.size() + tensor.bytes.size()}}};
    data.insert(data.end(), tensor.bytes.begin(), tensor.bytes.end());
  }
  return test::safeTensorsImage(header.dump(), data);
}

std::string openError(const test::ScratchDir &dir) {
  try {
    HfCheckpoint checkpoint(dir.path().string());
  } catch (const Error &error) {
    std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    return message;
  }
  return "";
}

class HfCheckpointTest : public ::testing::Test {
protected:
  void writeSingle(const std::map<std::string, TensorData> &tensors,
                   const std::string &config = kTinyConfig) {
    dir.write("config.json", config);
    dir.write("model.safetensors", encode(tensors));
  }
  test::ScratchDir dir;
};

TEST_F(HfCheckpointTest, ReadsEveryDtypeAsFloat32) {
  for (const char *dtype : {"F32", "F16", "BF16"}) {
    writeSingle(tinyTensors(dtype));
    HfCheckpoint checkpoint(dir.path().string());
    EXPECT_EQ(checkpoint.config().nLayer, 1);
    ASSERT_EQ(checkpoint.weights().size(), 16u);
    EXPECT_EQ(dtypeName(checkpoint.weight("wte.weight").dtype), dtype);
    std::vector<float> values = checkpoint.readFloat32("h.0.attn.c_attn.weight");
    ASSERT_EQ(values.size(), 48u);
    for (std::size_t i = 0; i < values.size(); ++i)
      ASSERT_EQ(values[i], referenceValue(4, std::int64_t(i))) << dtype << " element " << i;
    EXPECT_TRUE(checkpoint.storedBytes("wpe.weight").has_value());
    EXPECT_EQ(&checkpoint.lmHeadWeight(), &checkpoint.weight("wte.weight"));
  }
}

TEST_F(HfCheckpointTest, AcceptsTransformerPrefixAndIgnoresBuffers) {
  auto tensors = tinyTensors("F32", "transformer.");
  tensors["transformer.h.0.attn.bias"] = {"F32", {1, 1, 3, 3}, std::vector<std::uint8_t>(36)};
  tensors["transformer.h.0.attn.masked_bias"] = {"F32", {}, std::vector<std::uint8_t>(4)};
  tensors["lm_head.weight"] = {"F32", {5, 4}, std::vector<std::uint8_t>(80)}; // tied: ignored
  writeSingle(tensors);
  HfCheckpoint checkpoint(dir.path().string());
  EXPECT_EQ(checkpoint.weights().size(), 16u);
  EXPECT_EQ(checkpoint.readFloat32("ln_f.bias")[1], referenceValue(15, 1));
}

TEST_F(HfCheckpointTest, UntiedHeadNeedsLmHeadWeight) {
  std::string untied = R"({"n_layer":1,"n_embd":4,"n_head":2,"n_positions":3,"vocab_size":5,)"
                       R"("tie_word_embeddings":false})";
  writeSingle(tinyTensors("F32"), untied);
  EXPECT_NE(openError(dir).find("missing tensor 'lm_head.weight'"), std::string::npos);
  auto tensors = tinyTensors("F32");
  tensors["lm_head.weight"] = {"F32", {5, 4}, std::vector<std::uint8_t>(80)};
  writeSingle(tensors, untied);
  HfCheckpoint checkpoint(dir.path().string());
  EXPECT_EQ(checkpoint.lmHeadWeight().name, "lm_head.weight");
}

TEST_F(HfCheckpointTest, ReadsShardsThroughTheIndex) {
  auto tensors = tinyTensors("F16");
  std::map<std::string, TensorData> first, second;
  Json weightMap = Json::object();
  for (auto &[name, data] : tensors) {
    bool inFirst = name.starts_with("h.");
    (inFirst ? first : second)[name] = data;
    weightMap[name] = inFirst ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  dir.write("config.json", kTinyConfig);
  dir.write("model-00001-of-00002.safetensors", encode(first));
  dir.write("model-00002-of-00002.safetensors", encode(second));
  dir.write("model.safetensors.index.json",
            Json{{"metadata", {{"total_size", 0}}}, {"weight_map", weightMap}}.dump());
  HfCheckpoint checkpoint(dir.path().string());
  EXPECT_EQ(checkpoint.files().size(), 2u);
  EXPECT_EQ(checkpoint.readFloat32("wte.weight")[3], referenceValue(0, 3));
  EXPECT_EQ(checkpoint.readFloat32("h.0.mlp.c_fc.bias")[15], referenceValue(11, 15));

  // A shard the index names but that is missing.
  std::filesystem::remove(dir.file("model-00002-of-00002.safetensors"));
  EXPECT_NE(openError(dir).find("model-00002-of-00002.safetensors: missing shard file"),
            std::string::npos);
  // A tensor the index places in a shard that does not hold it.
  dir.write("model-00002-of-00002.safetensors", encode(second));
  weightMap["wte.weight"] = "model-00001-of-00002.safetensors";
  dir.write("model.safetensors.index.json", Json{{"weight_map", weightMap}}.dump());
  EXPECT_NE(openError(dir).find("tensor 'wte.weight': listed in model.safetensors.index.json but "
                                "not in this shard"),
            std::string::npos);
  dir.write("model.safetensors.index.json", "{\"weight_map\": 3}");
  EXPECT_NE(openError(dir).find("missing 'weight_map' object"), std::string::npos);
}

TEST_F(HfCheckpointTest, RejectsEveryBadInput) {
  EXPECT_NE(openError(dir).find("config.json: missing file"), std::string::npos);

  dir.write("config.json", kTinyConfig);
  EXPECT_NE(openError(dir).find("missing model.safetensors"), std::string::npos);

  auto tensors = tinyTensors("F32");
  tensors.erase("h.0.mlp.c_fc.bias");
  writeSingle(tensors);
  EXPECT_NE(openError(dir).find("missing tensor 'h.0.mlp.c_fc.bias' (shape [16])"),
            std::string::npos);

  tensors = tinyTensors("F32");
  tensors["h.1.ln_1.weight"] = {"F32", {4}, std::vector<std::uint8_t>(16)};
  writeSingle(tensors);
  EXPECT_NE(openError(dir).find("unexpected tensor 'h.1.ln_1.weight'"), std::string::npos);

  tensors = tinyTensors("F32");
  tensors["wpe.weight"] = {"F32", {4, 4}, std::vector<std::uint8_t>(64)};
  writeSingle(tensors);
  EXPECT_NE(openError(dir).find("tensor 'wpe.weight': shape [4, 4] does not match [3, 4]"),
            std::string::npos);

  tensors = tinyTensors("F32");
  tensors["ln_f.bias"] = {"I32", {4}, std::vector<std::uint8_t>(16)};
  writeSingle(tensors);
  EXPECT_NE(openError(dir).find("tensor 'ln_f.bias': unsupported dtype I32"), std::string::npos);

  tensors = tinyTensors("F32");
  tensors["transformer.wte.weight"] = tensors["wte.weight"];
  writeSingle(tensors);
  EXPECT_NE(openError(dir).find("stored twice"), std::string::npos);

  auto image = encode(tinyTensors("F32"));
  image.resize(image.size() - 5);
  dir.write("model.safetensors", image);
  std::string truncated = openError(dir);
  EXPECT_NE(truncated.find("model.safetensors: tensor"), std::string::npos) << truncated;
  EXPECT_NE(truncated.find("truncated file?"), std::string::npos) << truncated;

  writeSingle(tinyTensors("F32"), R"({"n_layer":1,"n_embd":4,"n_head":3,"n_positions":3,"vocab_size":5})");
  EXPECT_NE(openError(dir).find("config.json: n_head = 3 does not divide n_embd = 4"),
            std::string::npos);
}

TEST(HfCheckpointShared, OpensTheShardedFp16MiniModel) {
  auto dir = test::sharedDir() / "models" / "gpt2-mini-pydocs";
  HfCheckpoint checkpoint(dir.string());
  EXPECT_EQ(checkpoint.files().size(), 3u);
  EXPECT_EQ(checkpoint.config().nLayer, 6);
  EXPECT_EQ(checkpoint.config().nEmbd, 384);
  EXPECT_EQ(checkpoint.weights().size(), 76u);
  EXPECT_EQ(checkpoint.config().parameterCount(), 30'339'456);
  for (const WeightInfo &info : checkpoint.weights())
    EXPECT_EQ(info.dtype, DType::F16) << info.name;
  // Layer-norm gains of a trained model stay near 1: a sanity check on decoding.
  std::vector<float> gain = checkpoint.readFloat32("ln_f.weight");
  double mean = 0;
  for (float g : gain)
    mean += g / gain.size();
  EXPECT_GT(mean, 0.2);
  EXPECT_LT(mean, 5.0);
}

} // namespace
} // namespace gpt2c
