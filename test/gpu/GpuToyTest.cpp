// The GPU executor's mechanics on a real GPU, through the toy GPU artifact
// (test/runtime/ToyGpuArtifact.h) and its exact host reference: every kernel
// argument kind, the phases, batches, CUDA graphs, and the load errors.
#include "TestSupport.h"
#include "ToyGpuArtifact.h"

#include "gpt2c/gpu/GpuBackend.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

namespace gpt2c::gpu {
namespace {
namespace fs = std::filesystem;

constexpr std::int64_t kVocab = 50257;

template <typename Action> std::string errorOf(Action &&action) {
  try {
    action();
  } catch (const Error &error) {
    return error.what();
  }
  return "(no error)";
}

std::vector<std::int32_t> randomIds(std::size_t count, unsigned seed) {
  std::mt19937 random(seed);
  std::vector<std::int32_t> ids(count);
  for (std::int32_t &id : ids)
    id = std::int32_t(random() % kVocab);
  return ids;
}

class GpuToy : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    scratch_ = new test::ScratchDir();
    reference_ = new test::ToyReference();
    test::writeToyGpuArtifact(toy());
    test::writeToyGpuArtifact(shortSteps(), {.maxTokens = 5});
  }
  static void TearDownTestSuite() {
    delete reference_;
    delete scratch_;
  }
  static fs::path toy() { return scratch_->file("toy.gpt2c"); }
  static fs::path shortSteps() { return scratch_->file("short.gpt2c"); }
  static const test::ToyReference &reference() { return *reference_; }

  // Rows [first, first + count) of `sequence`, as the reference computes them.
  static std::vector<float> expectedRows(std::span<const std::int32_t> sequence,
                                         std::int64_t first, std::int64_t count) {
    std::vector<float> rows;
    for (std::int64_t p = first; p < first + count; ++p) {
      std::vector<float> row = reference().row(sequence, p);
      rows.insert(rows.end(), row.begin(), row.end());
    }
    return rows;
  }

  static test::ScratchDir *scratch_;
  static test::ToyReference *reference_;
};
test::ScratchDir *GpuToy::scratch_ = nullptr;
test::ToyReference *GpuToy::reference_ = nullptr;

TEST_F(GpuToy, DescribesTheGpu) {
  GpuBackend backend(toy());
  EXPECT_TRUE(backend.describe().starts_with("gpu sm_90 artifact " + toy().string() + " on GPU 0 ("))
      << backend.describe();
  EXPECT_TRUE(backend.describe().ends_with(", synthetic:tiny:1")) << backend.describe();
  EXPECT_EQ(backend.config().nPositions, 128);
}

TEST_F(GpuToy, PrefillThenDecode) {
  for (bool graphs : {true, false}) {
    GpuBackend backend(toy(), {}, {.graphs = graphs});
    std::vector<std::int32_t> sequence = randomIds(7, 1);
    EXPECT_EQ(backend.forward(sequence), expectedRows(sequence, 6, 1)) << graphs;
    for (std::int32_t next : randomIds(5, 2)) {
      sequence.push_back(next);
      EXPECT_EQ(backend.forward(std::span(&next, 1)),
                expectedRows(sequence, std::int64_t(sequence.size()) - 1, 1))
          << graphs << " position " << sequence.size() - 1;
    }
    EXPECT_EQ(backend.pastLength(), 12);
  }
}

TEST_F(GpuToy, EveryPositionThroughScoreThenDecode) {
  GpuBackend backend(toy());
  std::vector<std::int32_t> sequence = randomIds(9, 3);
  EXPECT_EQ(backend.forward(sequence, true), expectedRows(sequence, 0, 9));
  std::vector<std::int32_t> more = randomIds(3, 4);
  sequence.insert(sequence.end(), more.begin(), more.end());
  EXPECT_EQ(backend.forward(more, true), expectedRows(sequence, 9, 3)); // decode, row by row
  backend.reset();
  EXPECT_EQ(backend.forward(std::span(sequence).first(4)), expectedRows(sequence, 3, 1));
}

TEST_F(GpuToy, PromptsLongerThanMaxTokens) {
  GpuBackend backend(shortSteps());
  std::vector<std::int32_t> sequence = randomIds(12, 5);
  EXPECT_EQ(backend.forward(sequence, true), expectedRows(sequence, 0, 12));
  backend.reset();
  EXPECT_EQ(backend.forward(sequence), expectedRows(sequence, 11, 1));
}

TEST_F(GpuToy, BatchOfTwo) {
  GpuBackend backend(toy());
  std::vector<std::int32_t> first = randomIds(6, 6), second = randomIds(6, 7);
  std::vector<std::int32_t> both = first;
  both.insert(both.end(), second.begin(), second.end());
  std::vector<float> expected = expectedRows(first, 0, 6), secondRows = expectedRows(second, 0, 6);
  expected.insert(expected.end(), secondRows.begin(), secondRows.end());
  EXPECT_EQ(backend.forwardBatch(both, 2, true), expected);

  std::vector<std::int32_t> next = {11, 22};
  first.push_back(11);
  second.push_back(22);
  expected = expectedRows(first, 6, 1);
  secondRows = expectedRows(second, 6, 1);
  expected.insert(expected.end(), secondRows.begin(), secondRows.end());
  EXPECT_EQ(backend.forwardBatch(next, 2), expected);

  backend.reset();
  EXPECT_EQ(backend.forwardBatch(both, 2).size(), 2 * std::size_t(kVocab)); // prefill, last rows
}

// One graph per (phase, batch, tokens); the oldest go beyond 16, and replays of
// kept and recaptured graphs compute the same.
TEST_F(GpuToy, GraphsAreKeptPerStepShape) {
  GpuBackend backend(toy());
  ASSERT_TRUE(backend.graphsEnabled());
  std::vector<std::int32_t> sequence = randomIds(20, 8);
  for (int round = 0; round < 2; ++round) {
    for (std::int64_t length = 1; length <= 20; ++length) {
      backend.reset();
      std::span<const std::int32_t> prompt = std::span(sequence).first(std::size_t(length));
      ASSERT_EQ(backend.forward(prompt), expectedRows(sequence, length - 1, 1)) << length;
    }
    EXPECT_EQ(backend.graphCount(), GpuBackend::kMaxGraphs);
  }
  std::int32_t next = 5;
  backend.forward(std::span(&next, 1)); // decode after the prefill of 20
  EXPECT_EQ(backend.graphCount(), GpuBackend::kMaxGraphs);
}

TEST_F(GpuToy, EnvironmentTurnsGraphsOff) {
  setenv("GPT2C_GPU_GRAPHS", "0", 1);
  GpuBackend backend(toy());
  unsetenv("GPT2C_GPU_GRAPHS");
  EXPECT_FALSE(backend.graphsEnabled());
  std::vector<std::int32_t> sequence = randomIds(3, 9);
  EXPECT_EQ(backend.forward(sequence), expectedRows(sequence, 2, 1));
  EXPECT_EQ(backend.graphCount(), 0u);
  EXPECT_NE(backend.describe().find("without CUDA graphs"), std::string::npos);
}

TEST_F(GpuToy, LargeDynamicSharedMemory) {
  fs::path path = scratch_->file("shared.gpt2c");
  test::writeToyGpuArtifact(path, {.editPlan = [](artifact::LaunchPlan &plan) {
                                     for (auto &[name, phase] : plan.phases)
                                       phase.launches[1].sharedBytes = 100 * 1024;
                                   }});
  GpuBackend backend(path);
  std::vector<std::int32_t> sequence = randomIds(4, 10);
  EXPECT_EQ(backend.forward(sequence), expectedRows(sequence, 3, 1));
}

TEST_F(GpuToy, PtxTheDriverRefuses) {
  fs::path path = scratch_->file("bad.gpt2c");
  std::string ptx = test::toyPtx();
  ptx.replace(ptx.find("add.rn.f32"), 10, "add.rn.q32");
  test::writeToyGpuArtifact(path, {.ptx = ptx});
  std::string error = errorOf([&] { GpuBackend backend(path); });
  EXPECT_TRUE(error.starts_with("artifact " + path.string() +
                                ": toy.ptx: the CUDA driver cannot compile the PTX for GPU 0 ("))
      << error;
  EXPECT_NE(error.find("CUDA_ERROR_INVALID_PTX"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST_F(GpuToy, KernelMissingFromTheModule) {
  fs::path path = scratch_->file("missing.gpt2c");
  test::writeToyGpuArtifact(path, {.editPlan = [](artifact::LaunchPlan &plan) {
                                     plan.phases["decode"].launches[0].kernel = "toy_nothing";
                                   }});
  EXPECT_EQ(errorOf([&] { GpuBackend backend(path); }),
            "artifact " + path.string() +
                ": toy.ptx: no kernel toy_nothing (launch plan phases.decode.launches[0])");
}

TEST_F(GpuToy, TargetNewerThanTheGpu) {
  fs::path path = scratch_->file("future.gpt2c");
  test::writeToyGpuArtifact(path, {.target = "sm_990"});
  std::string error = errorOf([&] { GpuBackend backend(path); });
  EXPECT_TRUE(error.starts_with("GPU 0 (")) << error;
  EXPECT_TRUE(error.ends_with("; artifact " + path.string() + " needs sm_990")) << error;
  EXPECT_NE(error.find(") is compute capability "), std::string::npos) << error;
}

// 65536 sequences of 128 tokens: 1.6 TB of logits, which the allocation names.
TEST_F(GpuToy, OutOfMemoryNamesTheBuffer) {
  fs::path path = scratch_->file("huge.gpt2c");
  test::writeToyGpuArtifact(path, {.maxBatch = 65536});
  std::string error = errorOf([&] { GpuBackend backend(path); });
  EXPECT_TRUE(error.starts_with("out of GPU memory: the logits of artifact " + path.string() +
                                " needs 1608224.0 MiB; GPU 0 ("))
      << error;
  EXPECT_NE(error.find(" MiB free of "), std::string::npos) << error;
}

TEST_F(GpuToy, DeviceThatDoesNotExist) {
  std::string error = errorOf([&] { GpuBackend backend(toy(), {}, {.device = 99}); });
  EXPECT_TRUE(error.starts_with("GPU 99 was asked for, but this machine has ")) << error;
}

} // namespace
} // namespace gpt2c::gpu
