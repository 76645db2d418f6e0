// Differential tests of the passes: the reference interpreter runs the IR before
// and after each pass on the same inputs (a prompt, then decode steps with the KV
// cache), and the logits must agree (max abs 1e-5: the rewrites are exact).
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/importer/Importer.h"
#include "gpt2c/interpreter/InterpreterBackend.h"
#include "gpt2c/passes/Passes.h"

#include "TestSupport.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <gtest/gtest.h>

namespace gpt2c {
namespace {

using interp::InterpreterBackend;
using interp::Precision;

const std::vector<std::int32_t> kPrompt = {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13};
const std::vector<std::int32_t> kContinuation = {632, 373, 257};

// Logits of the prompt (every position when `allPositions`) and of each decode step.
std::vector<float> runScenario(Backend &backend, bool allPositions) {
  backend.reset();
  std::vector<float> logits = backend.forward(kPrompt, allPositions);
  for (std::int32_t token : kContinuation) {
    std::vector<float> step = backend.forward(std::span(&token, 1));
    logits.insert(logits.end(), step.begin(), step.end());
  }
  return logits;
}

double maxAbsDiff(const std::vector<float> &a, const std::vector<float> &b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, double(std::abs(a[i] - b[i])));
  return worst;
}

class PassDifferential : public ::testing::TestWithParam<std::string> {
protected:
  static void SetUpTestSuite() {
    static bool registered = [] {
      registerAllPasses();
      return true;
    }();
    (void)registered;
  }

  std::string model() const {
    return GetParam() == "mini" ? (test::sharedDir() / "models" / "gpt2-mini-pydocs").string()
                                : GetParam();
  }

  // Imports the model, applies `pipeline` (textual, on the module) and checks the
  // interpreted result against the unoptimised import.
  void expectSameLogits(const std::string &pipeline, bool allPositions) {
    std::unique_ptr<WeightStore> store = openModel(model());
    InterpreterBackend reference(openModel(model()), Precision::F32);

    auto context = std::make_unique<mlir::MLIRContext>();
    interp::prepareContext(*context);
    mlir::OwningOpRef<mlir::ModuleOp> module = importModel(*context, *store);
    mlir::PassManager pm(context.get());
    ASSERT_TRUE(mlir::succeeded(mlir::parsePassPipeline(pipeline, pm))) << pipeline;
    ASSERT_TRUE(mlir::succeeded(pm.run(*module))) << pipeline;
    ASSERT_TRUE(mlir::succeeded(mlir::verify(*module)));
    InterpreterBackend optimised(std::move(context), std::move(module), std::move(store),
                                 Precision::F32);

    std::vector<float> expected = runScenario(reference, allPositions);
    std::vector<float> actual = runScenario(optimised, allPositions);
    EXPECT_LE(maxAbsDiff(expected, actual), 1e-5) << pipeline << " on " << model();
  }
};

TEST_P(PassDifferential, FuseAttention) {
  expectSameLogits("builtin.module(func.func(gpt2-fuse-attention))", true);
}

TEST_P(PassDifferential, FuseLinear) {
  expectSameLogits("builtin.module(func.func(gpt2-fuse-linear))", true);
}

TEST_P(PassDifferential, FuseEmbeddings) {
  expectSameLogits("builtin.module(func.func(gpt2-fuse-embeddings))", true);
}

TEST_P(PassDifferential, PruneContextOfTheFusedForwardStep) {
  expectSameLogits(
      "builtin.module(func.func(gpt2-fuse-attention,gpt2-fuse-linear,gpt2-prune-context))", true);
}

TEST_P(PassDifferential, SplitPhasesLastLogits) {
  expectSameLogits("builtin.module(gpt2-split-phases)", false);
}

TEST_P(PassDifferential, SplitPhasesScore) {
  expectSameLogits("builtin.module(gpt2-split-phases{score=true})", true);
}

TEST_P(PassDifferential, PruneContextOfThePhases) {
  expectSameLogits("builtin.module(func.func(gpt2-fuse-attention),gpt2-split-phases{score=true},"
                   "func.func(gpt2-prune-context))",
                   false);
  expectSameLogits("builtin.module(func.func(gpt2-fuse-attention),gpt2-split-phases{score=true},"
                   "func.func(gpt2-prune-context))",
                   true);
}

TEST_P(PassDifferential, RefineShapes) {
  expectSameLogits("builtin.module(gpt2-split-phases,func.func(gpt2-refine-shapes))", false);
}

TEST_P(PassDifferential, WholePipeline) {
  expectSameLogits("builtin.module(gpt2-pipeline{score=true})", false);
  expectSameLogits("builtin.module(gpt2-pipeline{score=true})", true);
}

INSTANTIATE_TEST_SUITE_P(Models, PassDifferential,
                         ::testing::Values("synthetic:tiny:1", "mini"),
                         [](const auto &info) { return info.param == "mini" ? "mini" : "tiny"; });

// The 124M and xl models through the whole pipeline (xl needs ~13 GB and a minute:
// labelled "slow").
class PipelineOnLargeModels : public PassDifferential {};

TEST_P(PipelineOnLargeModels, MatchesTheUnoptimisedModel) {
  expectSameLogits("builtin.module(gpt2-pipeline)", false);
}

INSTANTIATE_TEST_SUITE_P(Gpt2Small, PipelineOnLargeModels, ::testing::Values("synthetic:gpt2:1"),
                         [](const auto &) { return "gpt2"; });
INSTANTIATE_TEST_SUITE_P(Gpt2Xl, PipelineOnLargeModels, ::testing::Values("synthetic:gpt2-xl:1"),
                         [](const auto &) { return "xl"; });

} // namespace
} // namespace gpt2c
