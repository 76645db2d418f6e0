// The manifest of GPU (sm_NN) artifacts: GPU target names, the launch_plan field
// (required for GPU targets, refused for others), PTX modules as phase libraries.
#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/artifact/Manifest.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>

namespace gpt2c::artifact {
namespace {

using Json = nlohmann::json;
constexpr const char *kHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// A valid sm_90 manifest of the tiny model with one f32 slot.
Manifest gpuManifest() {
  Manifest manifest;
  manifest.model = *namedConfig("tiny");
  manifest.modelSource = "synthetic:tiny:1";
  manifest.target = {"sm_90", {}};
  manifest.maxBatch = 1;
  manifest.maxTokens = 128;
  manifest.phases["prefill"] = {"prefill.ptx", "prefill", LogitsRows::Last};
  manifest.phases["decode"] = {"decode.ptx", "decode", LogitsRows::Last};
  manifest.launchPlan = "launch_plan.json";
  manifest.scratchBytes = 1 << 20;
  manifest.kvCache = {2, 4, 128, 16, "f32"};
  manifest.weights.file = "weights.bin";
  manifest.weights.sha256 = kHash;
  PackingRecipe wte;
  wte.tensor = "wte.weight";
  const std::int64_t shape[] = {50257, 64};
  std::uint64_t bytes = packedByteSize(wte, shape);
  manifest.weights.slots.push_back({wte, 0, bytes});
  manifest.weights.bytes = bytes;
  for (const char *file : {"prefill.ptx", "decode.ptx", "launch_plan.json"})
    manifest.files[file] = {1000, kHash};
  return manifest;
}

std::string parseError(const std::function<void(Json &)> &edit) {
  Json json = Json::parse(gpuManifest().toJson());
  edit(json);
  try {
    Manifest::parse(json.dump(), "artifact g.gpt2c: manifest.json");
  } catch (const Error &error) {
    return error.what();
  }
  return "(no error)";
}

TEST(GpuManifest, JsonRoundTrip) {
  Manifest manifest = gpuManifest();
  Manifest parsed = Manifest::parse(manifest.toJson(), "test");
  EXPECT_EQ(parsed, manifest);
  EXPECT_EQ(parsed.launchPlan, "launch_plan.json");
  Json json = Json::parse(manifest.toJson());
  EXPECT_EQ(json["launch_plan"], "launch_plan.json");
  EXPECT_EQ(json["target"], Json({{"name", "sm_90"}, {"cpu_features", Json::array()}}));
}

TEST(GpuManifest, TargetNames) {
  EXPECT_TRUE((Target{"sm_90", {}}.isGpu()));
  EXPECT_FALSE((Target{"sm_90", {}}.isX86()));
  EXPECT_TRUE((Target{"x86-avx512", {}}.isX86()));
  auto sm90 = parseGpuTarget("sm_90");
  ASSERT_TRUE(sm90);
  EXPECT_EQ(sm90->major, 9);
  EXPECT_EQ(sm90->minor, 0);
  EXPECT_FALSE(sm90->architectureSpecific);
  EXPECT_TRUE(sm90->runsOn(9, 0));
  EXPECT_TRUE(sm90->runsOn(10, 0));
  EXPECT_FALSE(sm90->runsOn(8, 9));
  auto sm90a = parseGpuTarget("sm_90a");
  ASSERT_TRUE(sm90a);
  EXPECT_TRUE(sm90a->architectureSpecific);
  EXPECT_TRUE(sm90a->runsOn(9, 0));
  EXPECT_FALSE(sm90a->runsOn(10, 0));
  auto sm120 = parseGpuTarget("sm_120");
  ASSERT_TRUE(sm120);
  EXPECT_EQ(sm120->major, 12);
  EXPECT_EQ(sm120->minor, 0);
  for (const char *bad : {"sm_", "sm_9", "sm_x0", "sm_1000", "sm_09", "x86-avx512", "sm_90b"})
    EXPECT_FALSE(parseGpuTarget(bad)) << bad;
}

TEST(GpuManifest, NoCpuFeatureToCheck) {
  // A probe that knows no feature: a GPU target asks it nothing.
  EXPECT_NO_THROW(checkCpuFeatures(gpuManifest(), "g.gpt2c",
                                   [](std::string_view) { return std::optional<bool>(); }));
}

struct BadManifest {
  const char *name;
  std::function<void(Json &)> edit;
  const char *error; // the whole message
};

class GpuManifestErrors : public ::testing::TestWithParam<BadManifest> {};

TEST_P(GpuManifestErrors, NameTheProblem) {
  EXPECT_EQ(parseError(GetParam().edit), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GpuManifestErrors,
    ::testing::Values(
        BadManifest{"NoLaunchPlan", [](Json &j) { j.erase("launch_plan"); },
                    "artifact g.gpt2c: manifest.json: launch_plan: missing (GPU target sm_90 "
                    "runs its phases through a launch plan)"},
        BadManifest{"LaunchPlanForX86",
                    [](Json &j) {
                      j["target"]["name"] = "x86-avx512";
                    },
                    "artifact g.gpt2c: manifest.json: launch_plan: target x86-avx512 is not a "
                    "GPU target (sm_NN) and takes no launch plan"},
        BadManifest{"LaunchPlanNotListed", [](Json &j) { j["files"].erase("launch_plan.json"); },
                    "artifact g.gpt2c: manifest.json: launch_plan: 'launch_plan.json' is not "
                    "listed in files"},
        BadManifest{"LaunchPlanNotText", [](Json &j) { j["launch_plan"] = 1; },
                    "artifact g.gpt2c: manifest.json: launch_plan: expected a string, got "
                    "number"},
        BadManifest{"CpuFeatures", [](Json &j) { j["target"]["cpu_features"] = {"avx2"}; },
                    "artifact g.gpt2c: manifest.json: target.cpu_features: GPU target sm_90 "
                    "takes none"},
        BadManifest{"BadTargetName", [](Json &j) { j["target"]["name"] = "sm_x"; },
                    "artifact g.gpt2c: manifest.json: target.name: 'sm_x' is not a GPU target "
                    "name (sm_ and a compute capability, e.g. sm_90)"},
        BadManifest{"SharedLibrary",
                    [](Json &j) {
                      j["files"]["decode.so"] = j["files"]["decode.ptx"];
                      j["phases"]["decode"]["library"] = "decode.so";
                    },
                    "artifact g.gpt2c: manifest.json: phases.decode.library: 'decode.so' is not "
                    "a PTX module (.ptx), which target sm_90 needs"}),
    [](const ::testing::TestParamInfo<BadManifest> &info) { return info.param.name; });

} // namespace
} // namespace gpt2c::artifact
