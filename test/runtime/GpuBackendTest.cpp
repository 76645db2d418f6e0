// GPU artifacts on any machine: what the writer lays out and refuses, each
// executor refusing the other's targets, the dispatch by target, and the GPU
// executor's one-line error where there is no CUDA driver (or, where there is
// one, success or a GPU error). Runs on the GPU itself: test/gpu.
#include "TestArtifacts.h"
#include "TestSupport.h"
#include "ToyGpuArtifact.h"

#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/cpu/CpuBackend.h"
#include "gpt2c/gpu/GpuBackend.h"
#include "gpt2c/runtime/OpenArtifact.h"
#include "gpt2c/support/Error.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <optional>
#include <set>

namespace gpt2c {
namespace {
namespace fs = std::filesystem;

template <typename Action> std::string errorOf(Action &&action) {
  try {
    action();
  } catch (const Error &error) {
    std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  return "(no error)";
}

// Why loading the driver fails here, as dlopen says; nullopt where it loads.
std::optional<std::string> driverLoadError() {
  void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle)
    return std::nullopt; // left open: the executor would load it anyway
  return std::string(dlerror());
}

class GpuArtifacts : public ::testing::Test {
protected:
  test::ScratchDir scratch;
  fs::path toy = scratch.file("toy.gpt2c");
};

TEST_F(GpuArtifacts, WriterLaysOutTheDirectory) {
  artifact::Manifest written = test::writeToyGpuArtifact(toy);
  std::set<std::string> names;
  for (const auto &entry : fs::directory_iterator(toy))
    names.insert(entry.path().filename().string());
  EXPECT_EQ(names,
            (std::set<std::string>{"manifest.json", "weights.bin", "toy.ptx", "launch_plan.json"}));
  EXPECT_EQ(written.launchPlan, "launch_plan.json");
  EXPECT_TRUE(written.files.contains("launch_plan.json"));
  EXPECT_EQ(written.phases.at("decode").entry, "decode"); // GPU targets: the plan's names
  EXPECT_EQ(test::readFile(toy / "toy.ptx"), test::toyPtx());

  artifact::Artifact opened = artifact::Artifact::open(toy);
  ASSERT_NE(opened.launchPlan(), nullptr);
  EXPECT_EQ(*opened.launchPlan(), test::toyLaunchPlan(true));
  EXPECT_EQ(opened.weightImage().size(), written.weights.bytes);
  opened.releaseWeightImage();
  EXPECT_TRUE(opened.weightImage().empty());
  EXPECT_TRUE(opened.slotPointers().empty());
}

TEST_F(GpuArtifacts, WriterRefusesPlansThatDoNotFit) {
  std::string error = errorOf([&] {
    test::writeToyGpuArtifact(toy, {.editPlan = [](artifact::LaunchPlan &plan) {
                                      plan.phases["decode"].launches[1].args[1].slot = 5;
                                    }});
  });
  EXPECT_EQ(error, "artifact writer: " + toy.string() +
                       ": launch_plan.json: phases.decode.launches[1].args[1].slot: 5 is out of "
                       "range (0 to 1)");
  EXPECT_FALSE(fs::exists(toy));
  EXPECT_FALSE(fs::exists(toy.string() + ".partial"));

  EXPECT_EQ(errorOf([&] { test::writeToyGpuArtifact(toy, {.target = "x86-avx512"}); }),
            "artifact writer: target x86-avx512 is not a GPU target and takes no launch plan");
  EXPECT_EQ(errorOf([&] {
              test::writeReferenceArtifact(toy, {.target = {"sm_90", {}}});
            }),
            "artifact writer: target sm_90 is a GPU target and needs a launch plan");
}

TEST_F(GpuArtifacts, CpuExecutorRefusesThem) {
  test::writeToyGpuArtifact(toy);
  EXPECT_EQ(errorOf([&] { cpu::CpuBackend backend(toy); }),
            "artifact " + toy.string() +
                ": target sm_90 is not an x86 target; the CPU executor cannot run it (the GPU "
                "executor does)");
}

TEST_F(GpuArtifacts, GpuExecutorRefusesX86Artifacts) {
  fs::path x86 = scratch.file("x86.gpt2c");
  test::writeReferenceArtifact(x86, {.target = {"x86-64", {"sse2"}}});
  EXPECT_EQ(errorOf([&] { gpu::GpuBackend backend(x86); }),
            "artifact " + x86.string() +
                ": target x86-64 is not a GPU target (sm_NN); the GPU executor cannot run it "
                "(the CPU executor does)");
}

// Without libcuda.so.1 the one error says so; with it, the artifact either runs
// or the error is about the GPU (none, too old), never something else.
TEST_F(GpuArtifacts, GpuExecutorNeedsTheDriver) {
  test::writeToyGpuArtifact(toy);
  std::string error = errorOf([&] {
    gpu::GpuBackend backend(toy);
    EXPECT_TRUE(backend.describe().starts_with("gpu sm_90 artifact " + toy.string() + " on GPU 0"))
        << backend.describe();
  });
  if (std::optional<std::string> reason = driverLoadError()) {
    EXPECT_EQ(error, "no CUDA driver: cannot load libcuda.so.1 (" + *reason + "); the sm_90 "
                     "artifact " + toy.string() + " needs an NVIDIA GPU");
    EXPECT_EQ(gpu::whyGpuUnavailable(artifact::readManifest(toy), toy.string()), error);
  } else if (error != "(no error)") {
    EXPECT_TRUE(error.starts_with("no CUDA GPU: ") ||
                error.find("is compute capability") != std::string::npos)
        << error;
  }
}

TEST_F(GpuArtifacts, DispatchFollowsTheTarget) {
  fs::path x86 = scratch.file("x86.gpt2c");
  test::writeReferenceArtifact(x86);
  std::unique_ptr<CompiledBackend> cpu = openArtifactBackend(x86);
  EXPECT_TRUE(cpu->describe().starts_with("cpu x86-64 artifact ")) << cpu->describe();
  EXPECT_EQ(cpu->forward(std::vector<std::int32_t>{1, 2, 3}).size(), 50257u);

  test::writeToyGpuArtifact(toy);
  std::string viaDispatch = errorOf([&] { openArtifactBackend(toy); });
  std::string direct = errorOf([&] { gpu::GpuBackend backend(toy); });
  EXPECT_EQ(viaDispatch, direct);

  fs::path other = scratch.file("other.gpt2c");
  test::writeReferenceArtifact(other, {.target = {"riscv-rvv", {}}});
  EXPECT_EQ(errorOf([&] { openArtifactBackend(other); }),
            "artifact " + other.string() +
                ": target riscv-rvv has no executor in this runtime (x86-* runs on the CPU, "
                "sm_NN on NVIDIA GPUs)");
}

} // namespace
} // namespace gpt2c
