// gpt2c-halide-gen kernels on invalid specs: a non-zero exit and exactly one line
// on stderr naming the kernel and the field.
#include "TestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>
#include <string>

namespace gpt2c::test {
namespace {

struct ErrorCase {
  const char *name, *spec, *message;
};

std::ostream &operator<<(std::ostream &out, const ErrorCase &c) { return out << c.name; }

// A valid fused_linear entry with one field replaced or added by `extra`.
std::string linear(const std::string &extra) {
  return R"({"kernels": [{"name": "fc", "kind": "fused_linear", "k": 64, "n": 64, "dtype": "f32",
    "norm": false, "gelu": false, "residual": false, "schedule": {"layout": "kn"})" +
         extra + "}]}";
}

class GeneratorErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(GeneratorErrorTest, FailsWithOneLine) {
  const ErrorCase &c = GetParam();
  ScratchDir dir;
  dir.write("spec.json", std::string(c.spec));
  std::string command = std::string(GPT2C_HALIDE_GEN) + " kernels --spec " +
                        dir.file("spec.json").string() + " --output-dir " +
                        dir.file("out").string() + " 2> " + dir.file("stderr").string();
  EXPECT_NE(std::system(command.c_str()), 0);
  std::string error = readFile(dir.file("stderr"));
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << error;
  EXPECT_NE(error.find(c.message), std::string::npos) << error;
}

const std::string kUnknownKind = R"({"kernels": [{"name": "a", "kind": "conv"}]})";
const std::string kMissing = R"({"kernels": [{"name": "fc", "kind": "fused_linear", "k": 64}]})";
const std::string kNotInteger = linear(R"(, "k": "64")");
const std::string kBadDtype = linear(R"(, "dtype": "f8")");
const std::string kTileN =
    linear(R"(, "schedule": {"layout": "kn", "vector": 16, "tile_n": 20})");
const std::string kUnroll = linear(R"(, "schedule": {"layout": "kn", "unroll": 3})");
const std::string kScheduleField = linear(R"(, "schedule": {"layout": "kn", "tiles": 2})");
const std::string kParameter = linear(R"(, "bias": true)");
const std::string kNoLayout = linear(R"(, "schedule": {})");
const std::string kGroupSize = linear(R"(, "dtype": "int8", "group_size": 24)");
const std::string kStrategy = linear(R"(, "schedule": {"layout": "kn", "strategy": "auto"})");
const std::string kActivationsFloatWeights =
    linear(R"(, "schedule": {"layout": "nk", "activations": "int8"})");
const std::string kActivationGroup = linear(
    R"(, "dtype": "int8", "group_size": 0, "schedule": {"layout": "nk", "activations": "int8", "activation_group": 48})");
const std::string kActivationGroupAlone =
    linear(R"(, "schedule": {"layout": "kn", "activation_group": 64})");
const std::string kKPairsFloat32 = linear(R"(, "schedule": {"layout": "kpairs"})");
const std::string kBf16ActivationsGemm = linear(
    R"(, "dtype": "bf16", "schedule": {"layout": "kpairs", "strategy": "gemm", "activations": "bf16"})");
const std::string kKPairsOddUnroll =
    linear(R"(, "dtype": "bf16", "schedule": {"layout": "kpairs", "unroll": 1})");
const std::string kDuplicate =
    R"({"kernels": [{"name": "ln", "kind": "layer_norm", "width": 8, "epsilon": 1e-5},
                   {"name": "ln", "kind": "layer_norm", "width": 8, "epsilon": 1e-5}]})";
const std::string kAttentionVector =
    R"({"kernels": [{"name": "att", "kind": "attention", "heads": 2, "head_dim": 24,
        "capacity": 16, "scale": 0.2, "causal": true, "schedule": {"vector": 16}}]})";
const std::string kBadName = R"({"kernels": [{"name": "1st", "kind": "embed"}]})";

const ErrorCase kCases[] = {
    {"UnknownKind", kUnknownKind.c_str(), "kernel 'a': unknown kind 'conv'"},
    {"MissingParameter", kMissing.c_str(), "kernel 'fc': parameter 'n' is missing"},
    {"IllTypedParameter", kNotInteger.c_str(), "kernel 'fc': parameter 'k' must be an integer"},
    {"UnknownDtype", kBadDtype.c_str(), "parameter 'dtype' must be one of f32, bf16, f16, int8"},
    {"TileNotWholeVectors", kTileN.c_str(),
     "kernel 'fc': schedule field 'tile_n' must be a multiple of vector (16)"},
    {"UnrollNotDividing", kUnroll.c_str(), "schedule field 'unroll' must divide"},
    {"UnknownScheduleField", kScheduleField.c_str(), "kernel 'fc': unknown schedule field 'tiles'"},
    {"UnknownParameter", kParameter.c_str(), "kernel 'fc': unknown parameter 'bias'"},
    {"MissingLayout", kNoLayout.c_str(), "kernel 'fc': schedule field 'layout' is missing"},
    {"GroupSizeNotDividing", kGroupSize.c_str(), "parameter 'group_size' must be 0 or divide"},
    {"UnknownStrategy", kStrategy.c_str(), "schedule field 'strategy' must be \"gemv\" or \"gemm\""},
    {"Int8ActivationsNeedInt8Weights", kActivationsFloatWeights.c_str(),
     "schedule field 'activations' \"int8\" needs int8 weights, strategy \"gemv\" and layout nk"},
    {"ActivationGroupNot64", kActivationGroup.c_str(),
     "schedule field 'activation_group' must be a multiple of 64 dividing k (64)"},
    {"ActivationGroupWithoutInt8", kActivationGroupAlone.c_str(),
     "schedule field 'activation_group' applies to activations \"int8\" only"},
    {"KPairsNeedBf16", kKPairsFloat32.c_str(),
     "schedule field 'layout' \"kpairs\" needs bf16 weights and an even k"},
    {"Bf16ActivationsNeedGemv", kBf16ActivationsGemm.c_str(),
     "schedule field 'activations' \"bf16\" needs bf16 weights, strategy \"gemv\" and layout "
     "\"kpairs\" or \"nk\""},
    {"KPairsWholePairsPerStep", kKPairsOddUnroll.c_str(),
     "schedule field 'unroll' must be even, as must k / split_k, for layout \"kpairs\""},
    {"DuplicateName", kDuplicate.c_str(), "kernel 'ln': duplicate name"},
    {"VectorNotDividingHeadDim", kAttentionVector.c_str(),
     "kernel 'att': schedule field 'vector' must divide head_dim (24)"},
    {"NameNotIdentifier", kBadName.c_str(), "name '1st' is not a C identifier"},
    {"InvalidJson", "{\"kernels\": [", "is not valid JSON"},
};

INSTANTIATE_TEST_SUITE_P(Specs, GeneratorErrorTest, ::testing::ValuesIn(kCases),
                         [](const auto &info) { return std::string(info.param.name); });

} // namespace
} // namespace gpt2c::test
