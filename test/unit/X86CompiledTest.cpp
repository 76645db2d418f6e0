// Compiled x86 executables (gpt2c compile -> artifact -> CPU executor) against the
// transformers references and the reference interpreter.
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/codegen/X86Compiler.h"
#include "gpt2c/cpu/CpuBackend.h"
#include "gpt2c/runtime/Perplexity.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include "GoldenChecks.h"
#include "TestSupport.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace gpt2c {
namespace {

std::string miniModel() { return (test::sharedDir() / "models" / "gpt2-mini-pydocs").string(); }

// Compiles `model` into a fresh artifact and opens it.
std::unique_ptr<cpu::CpuBackend> compiled(const test::ScratchDir &dir, const std::string &model,
                                          const std::string &weights = "f32",
                                          bool external = false) {
  x86::CompileOptions options;
  options.model = model;
  options.output = dir.file("model.gpt2c").string();
  options.pipeline.weights = weights;
  options.externalWeights = external;
  x86::compile(options);
  return std::make_unique<cpu::CpuBackend>(options.output);
}

TEST(X86Compiled, TinyMatchesTransformers) {
  test::ScratchDir dir;
  auto backend = compiled(dir, "synthetic:tiny:1");
  test::expectMatchesSyntheticGolden(*backend, "golden-tiny-s1.json",
                                     "golden-tiny-s1-lastlogits.f32", 1e-4);
}

TEST(X86Compiled, Gpt2SmallMatchesTransformers) {
  test::ScratchDir dir;
  auto backend = compiled(dir, "synthetic:gpt2:1", "f32", /*external=*/true);
  test::expectMatchesSyntheticGolden(*backend, "golden-gpt2-s1.json",
                                     "golden-gpt2-s1-lastlogits.f32", 1e-4);
}

TEST(X86Compiled, MiniMatchesGreedyAndPerplexity) {
  test::ScratchDir dir;
  auto backend = compiled(dir, miniModel());
  test::expectMatchesMiniGreedy(*backend);
  auto golden = nlohmann::json::parse(
      test::readFile(test::sharedDir() / "golden" / "golden-mini-pydocs.json"))["perplexity"];
  std::vector<std::int32_t> ids = Tokenizer::fromDirectory(miniModel())
                                      .encode(test::readFile(test::sharedDir() / "data" /
                                                             "pydocs-heldout.txt"));
  PerplexityOptions options;
  options.maxWindows = 1;
  EXPECT_NEAR(measurePerplexity(*backend, ids, options).perplexity,
              golden["prefix_windows"]["1"]["ppl"].get<double>(), 0.02);
  // The same predictions through 1024 one-token decode steps.
  options.decodeSteps = true;
  EXPECT_NEAR(measurePerplexity(*backend, ids, options).perplexity,
              golden["prefix_windows"]["1"]["ppl"].get<double>(), 0.02);
}

// Reduced precision stays inside the quality gate of the passes issue on the
// first four windows (float32: 33.771), scored all at once (prefill kernels) and
// through one-token decode steps (decode kernels: int8 quantises activations too).
TEST(X86Compiled, ReducedPrecisionPassesTheQualityGate) {
  std::vector<std::int32_t> ids = Tokenizer::fromDirectory(miniModel())
                                      .encode(test::readFile(test::sharedDir() / "data" /
                                                             "pydocs-heldout.txt"));
  PerplexityOptions options;
  options.maxWindows = 4;
  const double float32 = 33.771199;
  for (auto [weights, bound] : {std::pair("bf16", 0.005), std::pair("f16", 0.005),
                                std::pair("int8", 0.02)}) {
    test::ScratchDir dir;
    auto backend = compiled(dir, miniModel(), weights);
    for (bool decodeSteps : {false, true}) {
      options.decodeSteps = decodeSteps;
      double perplexity = measurePerplexity(*backend, ids, options).perplexity;
      EXPECT_LE(std::abs(perplexity - float32) / float32, bound)
          << weights << (decodeSteps ? " (decode steps)" : "") << ": " << perplexity;
    }
  }
}

} // namespace
} // namespace gpt2c
