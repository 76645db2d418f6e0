// launch_plan.json: the JSON round trip, and one exact line for each way a plan
// can be wrong (edited by hand from the toy artifact's valid one).
#include "TestSupport.h"
#include "ToyGpuArtifact.h"

#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/artifact/LaunchPlan.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>

namespace gpt2c::artifact {
namespace {

using Json = nlohmann::json;

// The toy artifact's manifest: sm_90, two weight slots, two layers, 4096 bytes of
// scratch, phases prefill, decode and score in toy.ptx.
const Manifest &toyManifest() {
  static const Manifest manifest = [] {
    test::ScratchDir scratch;
    return test::writeToyGpuArtifact(scratch.file("toy.gpt2c"));
  }();
  return manifest;
}

std::string parseError(const std::function<void(Json &)> &edit) {
  Json json = Json::parse(test::toyLaunchPlan(true).toJson());
  edit(json);
  try {
    LaunchPlan::parse(json.dump(), "launch_plan.json", toyManifest());
  } catch (const Error &error) {
    return error.what();
  }
  return "(no error)";
}

TEST(LaunchPlan, JsonRoundTrip) {
  LaunchPlan plan = test::toyLaunchPlan(true);
  LaunchPlan parsed = LaunchPlan::parse(plan.toJson(), "launch_plan.json", toyManifest());
  EXPECT_EQ(parsed, plan);
  EXPECT_EQ(parsed.toJson(), plan.toJson());
  ASSERT_NE(parsed.findPhase(toyManifest(), "score"), nullptr);
  EXPECT_EQ(parsed.findPhase(toyManifest(), "score")->launches[1].kernel, "toy_logits_all");
  EXPECT_EQ(parsed.findPhase(toyManifest(), "train"), nullptr);
}

// A counter argument: an offset into the counters, kept through the text.
TEST(LaunchPlan, CounterArguments) {
  LaunchPlan plan = test::toyLaunchPlan(true);
  plan.countersBytes = 64;
  plan.phases.at("decode").launches[0].args.push_back({.kind = ArgKind::Counters, .offset = 60});
  LaunchPlan parsed = LaunchPlan::parse(plan.toJson(), "launch_plan.json", toyManifest());
  EXPECT_EQ(parsed, plan);
  Json json = Json::parse(plan.toJson());
  EXPECT_EQ(json["counters_bytes"], 64);
  EXPECT_EQ(json["phases"]["decode"]["launches"][0]["args"].back(),
            Json({{"kind", "counters"}, {"offset", 60}}));
}

TEST(LaunchPlan, TextNamesTheFields) {
  Json json = Json::parse(test::toyLaunchPlan(true).toJson());
  EXPECT_EQ(json["format"], "gpt2c-launch-plan");
  EXPECT_EQ(json["format_version"], 3);
  EXPECT_EQ(json["scratch_bytes"], 4096);
  EXPECT_EQ(json["counters_bytes"], 0);
  EXPECT_EQ(json["phases"]["decode"]["dependent_launch"], false);
  const Json &launch = json["phases"]["decode"]["launches"][1];
  EXPECT_EQ(json["phases"]["decode"]["module"], "toy.ptx");
  EXPECT_EQ(launch["kernel"], "toy_logits_last");
  EXPECT_EQ(launch["grid"][1], Json({{"per", "one"}, {"times", 50257}, {"divide", 256}}));
  EXPECT_EQ(launch["block"], Json({256, 1, 1}));
  EXPECT_EQ(launch["shared_bytes"], 0);
  EXPECT_EQ(launch["args"][1], Json({{"kind", "weight"}, {"slot", 0}}));
  EXPECT_EQ(launch["args"][3], Json({{"kind", "cache"}, {"layer", 1}, {"which", "key"}}));
  EXPECT_EQ(launch["args"][5], Json({{"kind", "scratch"}, {"offset", 256}}));
  EXPECT_EQ(launch["args"][6], Json({{"kind", "logits"}}));
}

TEST(LaunchPlan, GridDimensions) {
  GridDim rows{GridPer::Rows, 3, 2};
  EXPECT_EQ(rows.blocks(2, 5), 15);  // ceil(3 * 10 / 2)
  EXPECT_EQ(rows.blocks(1, 1), 2);   // ceil(3 / 2)
  EXPECT_EQ((GridDim{GridPer::One, 50257, 256}.blocks(4, 9)), 197);
  EXPECT_EQ((GridDim{GridPer::Batch, 1, 1}.blocks(4, 9)), 4);
  EXPECT_EQ((GridDim{GridPer::Tokens, 2, 1}.blocks(4, 9)), 18);
}

struct BadPlan {
  const char *name;
  std::function<void(Json &)> edit;
  const char *error; // the whole message
};

class LaunchPlanErrors : public ::testing::TestWithParam<BadPlan> {};

TEST_P(LaunchPlanErrors, NameTheProblem) {
  EXPECT_EQ(parseError(GetParam().edit), GetParam().error);
}

Json &decodeLaunch(Json &j, int i) { return j["phases"]["decode"]["launches"][i]; }

INSTANTIATE_TEST_SUITE_P(
    Cases, LaunchPlanErrors,
    ::testing::Values(
        BadPlan{"WrongFormat", [](Json &j) { j["format"] = "gpt2c-artifact"; },
                "launch_plan.json: format: 'gpt2c-artifact' is not gpt2c-launch-plan"},
        BadPlan{"NewerVersion", [](Json &j) { j["format_version"] = 4; },
                "launch_plan.json: format version 4 is newer than this runtime (3)"},
        BadPlan{"OlderVersion", [](Json &j) { j["format_version"] = 2; },
                "launch_plan.json: format version 2 is not supported (this runtime reads 3; "
                "recompile the artifact)"},
        BadPlan{"CountersMissing", [](Json &j) { j.erase("counters_bytes"); },
                "launch_plan.json: counters_bytes: missing"},
        BadPlan{"CountersSize", [](Json &j) { j["counters_bytes"] = 6; },
                "launch_plan.json: counters_bytes: 6 is not a multiple of 4 up to 1048576"},
        BadPlan{"CountersTooLarge", [](Json &j) { j["counters_bytes"] = 1 << 21; },
                "launch_plan.json: counters_bytes: 2097152 is out of range (0 to 1048576)"},
        BadPlan{"CounterMisaligned",
                [](Json &j) {
                  j["counters_bytes"] = 64;
                  decodeLaunch(j, 0)["args"][4] = {{"kind", "counters"}, {"offset", 6}};
                },
                "launch_plan.json: phases.decode.launches[0].args[4].offset: 6 is not a "
                "multiple of 4"},
        BadPlan{"CounterOutside",
                [](Json &j) {
                  j["counters_bytes"] = 64;
                  decodeLaunch(j, 0)["args"][4] = {{"kind", "counters"}, {"offset", 64}};
                },
                "launch_plan.json: phases.decode.launches[0].args[4].offset: 64 lies outside "
                "the counters (64 bytes)"},
        BadPlan{"CounterWithoutOffset",
                [](Json &j) { decodeLaunch(j, 0)["args"][4] = {{"kind", "counters"}}; },
                "launch_plan.json: phases.decode.launches[0].args[4].offset: missing"},
        BadPlan{"DependentLaunchNotBoolean",
                [](Json &j) { j["phases"]["decode"]["dependent_launch"] = "yes"; },
                "launch_plan.json: phases.decode.dependent_launch: expected a boolean, got string"},
        BadPlan{"UnknownTopField", [](Json &j) { j["colour"] = "red"; },
                "launch_plan.json: colour: unknown field"},
        BadPlan{"UnknownLaunchField", [](Json &j) { decodeLaunch(j, 0)["stream"] = 1; },
                "launch_plan.json: phases.decode.launches[0].stream: unknown field"},
        BadPlan{"MissingField", [](Json &j) { decodeLaunch(j, 0).erase("shared_bytes"); },
                "launch_plan.json: phases.decode.launches[0].shared_bytes: missing"},
        BadPlan{"UnknownArgKind", [](Json &j) { decodeLaunch(j, 1)["args"][0]["kind"] = "bias"; },
                "launch_plan.json: phases.decode.launches[1].args[0].kind: 'bias' is not one of "
                "params, ids, weight, scratch, cache, logits, counters"},
        BadPlan{"SlotOutOfRange", [](Json &j) { decodeLaunch(j, 1)["args"][1]["slot"] = 99; },
                "launch_plan.json: phases.decode.launches[1].args[1].slot: 99 is out of range "
                "(0 to 1)"},
        BadPlan{"NegativeSlot", [](Json &j) { decodeLaunch(j, 1)["args"][2]["slot"] = -1; },
                "launch_plan.json: phases.decode.launches[1].args[2].slot: -1 is out of range "
                "(0 to 1)"},
        BadPlan{"SlotMissing", [](Json &j) { decodeLaunch(j, 1)["args"][1].erase("slot"); },
                "launch_plan.json: phases.decode.launches[1].args[1].slot: missing"},
        BadPlan{"FieldOfAnotherKind", [](Json &j) { decodeLaunch(j, 0)["args"][0]["slot"] = 0; },
                "launch_plan.json: phases.decode.launches[0].args[0].slot: unknown field"},
        BadPlan{"LayerOutOfRange", [](Json &j) { decodeLaunch(j, 0)["args"][2]["layer"] = 2; },
                "launch_plan.json: phases.decode.launches[0].args[2].layer: 2 is out of range "
                "(0 to 1)"},
        BadPlan{"CacheWhich", [](Json &j) { decodeLaunch(j, 0)["args"][3]["which"] = "query"; },
                "launch_plan.json: phases.decode.launches[0].args[3].which: 'query' is not one "
                "of key, value"},
        BadPlan{"ScratchMisaligned",
                [](Json &j) { decodeLaunch(j, 0)["args"][4]["offset"] = 100; },
                "launch_plan.json: phases.decode.launches[0].args[4].offset: 100 is not a "
                "multiple of 16"},
        BadPlan{"ScratchOutside", [](Json &j) { decodeLaunch(j, 0)["args"][4]["offset"] = 4096; },
                "launch_plan.json: phases.decode.launches[0].args[4].offset: 4096 lies outside "
                "the scratch buffer (4096 bytes)"},
        BadPlan{"ScratchNegative", [](Json &j) { decodeLaunch(j, 0)["args"][4]["offset"] = -256; },
                "launch_plan.json: phases.decode.launches[0].args[4].offset: -256 is negative"},
        BadPlan{"GridPer", [](Json &j) { decodeLaunch(j, 0)["grid"][0]["per"] = "cols"; },
                "launch_plan.json: phases.decode.launches[0].grid[0].per: 'cols' is not one of "
                "one, batch, tokens, rows"},
        BadPlan{"GridRank", [](Json &j) { decodeLaunch(j, 0)["grid"].erase(2); },
                "launch_plan.json: phases.decode.launches[0].grid: 2 dimensions, expected 3"},
        BadPlan{"ZeroDivisor", [](Json &j) { decodeLaunch(j, 1)["grid"][1]["divide"] = 0; },
                "launch_plan.json: phases.decode.launches[1].grid[1].divide: 0 is out of range "
                "(1 to 2147483647)"},
        BadPlan{"ZeroTimes", [](Json &j) { decodeLaunch(j, 1)["grid"][0]["times"] = 0; },
                "launch_plan.json: phases.decode.launches[1].grid[0].times: 0 is out of range "
                "(1 to 2147483647)"},
        BadPlan{"ZeroBlock", [](Json &j) { decodeLaunch(j, 0)["block"][1] = 0; },
                "launch_plan.json: phases.decode.launches[0].block[1]: 0 is out of range (1 to "
                "1024)"},
        BadPlan{"BlockNotInteger", [](Json &j) { decodeLaunch(j, 0)["block"][0] = 32.5; },
                "launch_plan.json: phases.decode.launches[0].block[0]: expected an integer, got "
                "number"},
        BadPlan{"TooManyThreads", [](Json &j) { decodeLaunch(j, 1)["block"] = {256, 8, 1}; },
                "launch_plan.json: phases.decode.launches[1].block: 256 x 8 x 1 = 2048 threads "
                "exceeds 1024"},
        BadPlan{"BlockRank", [](Json &j) { decodeLaunch(j, 1)["block"] = {256, 1}; },
                "launch_plan.json: phases.decode.launches[1].block: 2 dimensions, expected 3"},
        BadPlan{"SharedMemory", [](Json &j) { decodeLaunch(j, 1)["shared_bytes"] = 300000; },
                "launch_plan.json: phases.decode.launches[1].shared_bytes: 300000 is out of "
                "range (0 to 232448)"},
        BadPlan{"KernelName", [](Json &j) { decodeLaunch(j, 0)["kernel"] = "toy cache"; },
                "launch_plan.json: phases.decode.launches[0].kernel: 'toy cache' is not a PTX "
                "entry name"},
        BadPlan{"OtherModule", [](Json &j) { j["phases"]["decode"]["module"] = "other.ptx"; },
                "launch_plan.json: phases.decode.module: 'other.ptx' is not the library of the "
                "manifest's decode phase ('toy.ptx')"},
        BadPlan{"NoLaunches", [](Json &j) { j["phases"]["decode"]["launches"] = Json::array(); },
                "launch_plan.json: phases.decode.launches: empty"},
        BadPlan{"MissingPhase", [](Json &j) { j["phases"].erase("score"); },
                "launch_plan.json: phases: no plan for the manifest's score phase (entry "
                "'score')"},
        BadPlan{"ExtraPhase", [](Json &j) { j["phases"]["train"] = j["phases"]["decode"]; },
                "launch_plan.json: phases.train: no phase of the manifest has the entry 'train'"},
        BadPlan{"ScratchSize", [](Json &j) { j["scratch_bytes"] = 8192; },
                "launch_plan.json: scratch_bytes: 8192 differs from the manifest's scratch_bytes "
                "(4096)"},
        BadPlan{"LaunchesNotObjects", [](Json &j) { j["phases"]["decode"]["launches"] = {1}; },
                "launch_plan.json: phases.decode.launches[0]: expected an object, got number"}),
    [](const ::testing::TestParamInfo<BadPlan> &info) { return info.param.name; });

TEST(LaunchPlan, RefusesTextThatIsNotJson) {
  try {
    LaunchPlan::parse("{\"format\": ", "launch_plan.json", toyManifest());
    FAIL();
  } catch (const Error &error) {
    EXPECT_TRUE(std::string(error.what()).starts_with("launch_plan.json: not valid JSON"))
        << error.what();
  }
}

} // namespace
} // namespace gpt2c::artifact
