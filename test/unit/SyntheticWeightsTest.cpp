// Synthetic weights against the golden SHA-256 hashes computed independently
// (NumPy, per shared/spec/synthetic-weights.md), and the safetensors writer
// checked by reading its output back and hashing it again.
#include "gpt2c/checkpoint/HfCheckpoint.h"
#include "gpt2c/checkpoint/SafeTensorsWriter.h"
#include "gpt2c/checkpoint/SyntheticWeights.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/Sha256.h"

#include "TestSupport.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace gpt2c {
namespace {

std::string hashOf(const std::vector<float> &values) {
  return sha256Hex({reinterpret_cast<const std::uint8_t *>(values.data()),
                    values.size() * sizeof(float)});
}

nlohmann::json golden(const std::string &file) {
  return nlohmann::json::parse(test::readFile(test::sharedDir() / "golden" / file));
}

void expectGoldenHashes(const WeightStore &store, const nlohmann::json &hashes) {
  ASSERT_EQ(hashes.size(), store.weights().size());
  for (auto &[name, hash] : hashes.items())
    EXPECT_EQ(hashOf(store.readFloat32(name)), hash.get<std::string>()) << name;
}

TEST(SyntheticWeights, TinyMatchesGoldenHashes) {
  auto store = openModel("synthetic:tiny:1");
  expectGoldenHashes(*store, golden("golden-tiny-s1.json")["tensor_sha256_f32"]);
}

TEST(SyntheticWeights, Gpt2SmallMatchesGoldenHashes) {
  auto store = openModel("synthetic:gpt2");
  EXPECT_EQ(store->source(), "synthetic:gpt2:1");
  expectGoldenHashes(*store, golden("golden-gpt2-s1.json")["tensor_sha256_f32"]);
}

TEST(SyntheticWeights, ValuesFollowTheSpecRanges) {
  auto store = openModel("synthetic:tiny:5");
  for (const WeightInfo &info : store->weights()) {
    std::vector<float> values = store->readFloat32(info.name);
    bool gain = info.name.ends_with("ln_1.weight") || info.name.ends_with("ln_2.weight") ||
                info.name == "ln_f.weight";
    float centre = gain ? 1.0f : 0.0f;
    float radius = gain ? 0.125f : info.name == "wpe.weight" ? 1.0f / 64 : 1.0f / 32;
    for (float v : values)
      ASSERT_TRUE(v >= centre - radius && v < centre + radius) << info.name << " " << v;
  }
  // Chunked generation agrees with whole-tensor generation.
  std::vector<float> whole = store->readFloat32("h.1.mlp.c_fc.weight"), part(100);
  syntheticWeightValues("h.1.mlp.c_fc.weight", 5, 1000, part);
  EXPECT_TRUE(std::equal(part.begin(), part.end(), whole.begin() + 1000));
  EXPECT_EQ(syntheticWeightValue("h.1.mlp.c_fc.weight", 5, 1234), whole[1234]);
}

TEST(SyntheticWeights, WrittenCheckpointReadsBackWithGoldenHashes) {
  test::ScratchDir dir;
  SyntheticWeights store("tiny", *namedConfig("tiny"), 1);
  writeSafeTensors(store, DType::F32, dir.file("model.safetensors").string());
  dir.write("config.json", store.config().toHfJson());
  HfCheckpoint checkpoint(dir.path().string());
  EXPECT_EQ(checkpoint.config(), store.config());
  expectGoldenHashes(checkpoint, golden("golden-tiny-s1.json")["tensor_sha256_f32"]);
}

TEST(SyntheticWeights, BadModelNamesAreRefused) {
  auto errorOf = [](const std::string &model) -> std::string {
    try {
      openModel(model);
    } catch (const Error &error) {
      return error.what();
    }
    return "";
  };
  EXPECT_NE(errorOf("synthetic:huge").find("unknown synthetic configuration 'huge'"),
            std::string::npos);
  EXPECT_NE(errorOf("synthetic:tiny:x1").find("invalid seed 'x1'"), std::string::npos);
  EXPECT_NE(errorOf("synthetic:tiny:").find("invalid seed ''"), std::string::npos);
  EXPECT_NE(errorOf("/no/such/dir").find("/no/such/dir: not a directory"), std::string::npos);
}

} // namespace
} // namespace gpt2c
