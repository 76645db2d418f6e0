// manifest.json: the JSON round trip, and one clear error for each way a manifest
// can be wrong (edited by hand from a valid one).
#include "gpt2c/artifact/Manifest.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>

namespace gpt2c::artifact {
namespace {

constexpr const char *kHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// A valid manifest for the tiny model: every tensor f32, slots 64-byte aligned.
Manifest tinyManifest() {
  Manifest manifest;
  manifest.model = *namedConfig("tiny");
  manifest.modelSource = "synthetic:tiny:1";
  manifest.target = {"x86-avx512", {"avx512f", "fma"}};
  manifest.maxBatch = 2;
  manifest.maxTokens = 128;
  manifest.phases["prefill"] = {"prefill.so", "gpt2c_run_prefill", LogitsRows::Last};
  manifest.phases["decode"] = {"decode.so", "gpt2c_run_decode", LogitsRows::Last};
  manifest.phases["score"] = {"prefill.so", "gpt2c_run_score", LogitsRows::All};
  manifest.scratchBytes = 1 << 20;
  manifest.kvCache = {2, 4, 128, 16, "f32"};
  manifest.weights.file = "weights.bin";
  manifest.weights.sha256 = kHash;
  std::uint64_t end = 0;
  for (const TensorSpec &tensor : expectedTensors(manifest.model)) {
    PackingRecipe recipe;
    recipe.tensor = tensor.name;
    recipe.layout = tensor.shape.size() == 2 && tensor.name.starts_with("h.") ? PackedLayout::NK
                                                                              : PackedLayout::Row;
    std::uint64_t offset = (end + 63) / 64 * 64;
    std::uint64_t bytes = packedByteSize(recipe, tensor.shape);
    manifest.weights.slots.push_back({recipe, offset, bytes});
    end = offset + bytes;
  }
  manifest.weights.bytes = end;
  manifest.tokenizer = TokenizerFiles{};
  for (const char *file : {"prefill.so", "decode.so", "vocab.json", "merges.txt"})
    manifest.files[file] = {1000, kHash};
  return manifest;
}

// The error parse() gives for the tiny manifest after `edit`.
std::string parseError(const std::function<void(nlohmann::json &)> &edit) {
  nlohmann::json json = nlohmann::json::parse(tinyManifest().toJson());
  edit(json);
  try {
    Manifest::parse(json.dump(), "artifact t.gpt2c: manifest.json");
  } catch (const Error &error) {
    return error.what();
  }
  return "(no error)";
}

TEST(Manifest, JsonRoundTrip) {
  Manifest manifest = tinyManifest();
  Manifest parsed = Manifest::parse(manifest.toJson(), "test");
  EXPECT_EQ(parsed, manifest);
  EXPECT_EQ(parsed.toJson(), manifest.toJson());

  manifest.weights.file.reset();
  manifest.weights.externalSource = "/models/gpt2";
  manifest.tokenizer.reset();
  manifest.model.layerNormEpsilon = 1.0 / 3.0; // survives the text exactly
  EXPECT_EQ(Manifest::parse(manifest.toJson(), "test"), manifest);
}

TEST(Manifest, TextNamesTheFields) {
  nlohmann::json json = nlohmann::json::parse(tinyManifest().toJson());
  EXPECT_EQ(json["format"], "gpt2c-artifact");
  EXPECT_EQ(json["format_version"], 1);
  EXPECT_EQ(json["target"]["cpu_features"], nlohmann::json({"avx512f", "fma"}));
  EXPECT_EQ(json["phases"]["score"]["logits"], "all");
  EXPECT_EQ(json["kv_cache"]["head_dim"], 16);
  EXPECT_EQ(json["weights"]["alignment"], 64);
  EXPECT_EQ(json["weights"]["slots"][2]["tensor"], "h.0.ln_1.weight");
  EXPECT_EQ(json["weights"]["slots"][4]["layout"], "nk");
  EXPECT_EQ(json["weights"]["slots"][4]["kind"], "values");
  EXPECT_EQ(json["weights"]["slots"][4]["dtype"], "f32");
  EXPECT_EQ(json["files"]["prefill.so"]["sha256"], kHash);
}

struct BadManifest {
  const char *name;
  std::function<void(nlohmann::json &)> edit;
  const char *error;
};

class ManifestErrors : public ::testing::TestWithParam<BadManifest> {};

TEST_P(ManifestErrors, NameTheProblem) {
  std::string error = parseError(GetParam().edit);
  EXPECT_NE(error.find(GetParam().error), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_TRUE(error.starts_with("artifact t.gpt2c: manifest.json: ")) << error;
}

using Json = nlohmann::json;

INSTANTIATE_TEST_SUITE_P(
    Cases, ManifestErrors,
    ::testing::Values(
        BadManifest{"WrongFormat", [](Json &j) { j["format"] = "onnx"; },
                    "format: 'onnx' is not gpt2c-artifact"},
        BadManifest{"NewerVersion", [](Json &j) { j["format_version"] = 2; },
                    "format version 2 is newer than this runtime (1)"},
        BadManifest{"VersionZero", [](Json &j) { j["format_version"] = 0; },
                    "format_version: 0 is out of range"},
        BadManifest{"MissingField", [](Json &j) { j.erase("max_batch"); }, "max_batch: missing"},
        BadManifest{"WrongType", [](Json &j) { j["max_tokens"] = "128"; },
                    "max_tokens: expected an integer, got string"},
        BadManifest{"FloatForInteger", [](Json &j) { j["scratch_bytes"] = 1.5; },
                    "scratch_bytes: expected an integer, got number"},
        BadManifest{"NegativeSize", [](Json &j) { j["scratch_bytes"] = -4; },
                    "scratch_bytes: -4 is negative"},
        BadManifest{"UnknownField", [](Json &j) { j["weights"]["slots"][0]["colour"] = 1; },
                    "weights.slots[0].colour: unknown field"},
        BadManifest{"UnknownTopField", [](Json &j) { j["extra"] = true; }, "extra: unknown field"},
        BadManifest{"BadModel", [](Json &j) { j["model"]["n_head"] = 5; },
                    "model: n_head = 5 does not divide n_embd = 64"},
        BadManifest{"MissingModelField", [](Json &j) { j["model"].erase("n_inner"); },
                    "model.n_inner: missing"},
        BadManifest{"BatchZero", [](Json &j) { j["max_batch"] = 0; },
                    "max_batch: 0 is out of range"},
        BadManifest{"TokensOverCapacity", [](Json &j) { j["max_tokens"] = 129; },
                    "max_tokens: 129 exceeds kv_cache.capacity (128)"},
        BadManifest{"CapacityOverPositions", [](Json &j) { j["kv_cache"]["capacity"] = 256; },
                    "kv_cache.capacity: 256 exceeds the model's n_positions (128)"},
        BadManifest{"CacheHeads", [](Json &j) { j["kv_cache"]["heads"] = 8; },
                    "kv_cache.heads: 8 differs from the model's n_head (4)"},
        BadManifest{"CacheDType", [](Json &j) { j["kv_cache"]["dtype"] = "bf16"; },
                    "kv_cache.dtype: 'bf16' is not supported"},
        BadManifest{"NoDecode", [](Json &j) { j["phases"].erase("decode"); },
                    "phases: the decode phase is missing"},
        BadManifest{"UnknownPhase", [](Json &j) { j["phases"]["train"] = j["phases"]["decode"]; },
                    "phases: unknown phase 'train'"},
        BadManifest{"ScoreLastOnly", [](Json &j) { j["phases"]["score"]["logits"] = "last"; },
                    "phases.score.logits"},
        BadManifest{"BadLogits", [](Json &j) { j["phases"]["decode"]["logits"] = "first"; },
                    "phases.decode.logits: 'first' is not one of last, all"},
        BadManifest{"EntryNotSymbol",
                    [](Json &j) { j["phases"]["decode"]["entry"] = "run decode"; },
                    "phases.decode.entry: 'run decode' is not a C symbol name"},
        BadManifest{"LibraryNotListed", [](Json &j) { j["files"].erase("decode.so"); },
                    "phases.decode.library: 'decode.so' is not listed in files"},
        BadManifest{"PathInFileName",
                    [](Json &j) {
                      j["files"]["../evil.so"] = j["files"]["decode.so"];
                      j["phases"]["decode"]["library"] = "../evil.so";
                    },
                    "files: '../evil.so' is not a plain file name"},
        BadManifest{"BadHash", [](Json &j) { j["files"]["decode.so"]["sha256"] = "abc"; },
                    "files.decode.so.sha256: 'abc' is not 64 lowercase hex digits"},
        BadManifest{"TokenizerNotListed", [](Json &j) { j["files"].erase("vocab.json"); },
                    "tokenizer.vocab: 'vocab.json' is not listed in files"},
        BadManifest{"FileAndExternal",
                    [](Json &j) { j["weights"]["external"] = {{"source", "synthetic:tiny:1"}}; },
                    "weights: give exactly one of file and external"},
        BadManifest{"NoWeights", [](Json &j) { j["weights"].erase("file"); },
                    "weights: give exactly one of file and external"},
        BadManifest{"Alignment", [](Json &j) { j["weights"]["alignment"] = 48; },
                    "weights.alignment: 48 is not a power of two from 64 to 4096"},
        BadManifest{"Misaligned", [](Json &j) { j["weights"]["slots"][1]["offset"] = 100000; },
                    "weights.slots[1].offset: 100000 is not a multiple of the alignment 64"},
        BadManifest{
            "Overlap",
            [](Json
                   &j) { j["weights"]["slots"][1]["offset"] = j["weights"]["slots"][0]["offset"]; },
            "weights.slots[1].offset: 0 overlaps the previous slot (which ends at 12865792)"},
        BadManifest{
            "OutsideImage", [](Json &j) { j["weights"]["bytes"] = 1000; },
            "weights.slots[0]: bytes [0, 12865792) lie outside the 1000 bytes of the weights"},
        BadManifest{"SlotSize", [](Json &j) { j["weights"]["slots"][3]["bytes"] = 8; },
                    "weights.slots[3].bytes: 8 does not match the packed tensor (256 bytes)"},
        BadManifest{"UnknownTensor",
                    [](Json &j) { j["weights"]["slots"][3]["tensor"] = "h.9.ln_1.bias"; },
                    "weights.slots[3].tensor: the model has no tensor 'h.9.ln_1.bias'"},
        BadManifest{"RecipeMismatch", [](Json &j) { j["weights"]["slots"][3]["layout"] = "nk"; },
                    "weights.slots[3]: layout nk needs a 2-D tensor"},
        BadManifest{"BadDType", [](Json &j) { j["weights"]["slots"][3]["dtype"] = "fp8"; },
                    "weights.slots[3].dtype: 'fp8' is not one of f32, bf16, f16, int8"},
        BadManifest{"NoSlots", [](Json &j) { j["weights"]["slots"] = Json::array(); },
                    "weights.slots: empty"},
        BadManifest{"SlotsNotObjects", [](Json &j) { j["weights"]["slots"] = {1, 2}; },
                    "weights.slots[0]: expected an object, got number"}),
    [](const ::testing::TestParamInfo<BadManifest> &info) { return info.param.name; });

TEST(Manifest, RefusesTextThatIsNotJson) {
  try {
    Manifest::parse("{\"format\": ", "artifact t: manifest.json");
    FAIL();
  } catch (const Error &error) {
    EXPECT_TRUE(std::string(error.what()).starts_with("artifact t: manifest.json: not valid JSON"))
        << error.what();
  }
  EXPECT_THROW(Manifest::parse("[1, 2]", "t"), Error);
}

} // namespace
} // namespace gpt2c::artifact
