// The cost API on GPT-2 124M (synthetic weights: only the shapes matter): what
// pruning saves, per phase, against numbers computed from the model's
// hyper-parameters.
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/importer/Importer.h"
#include "gpt2c/passes/CostReport.h"
#include "gpt2c/passes/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

namespace gpt2c {
namespace {

constexpr double kFloatBytes = 4;

class CostReport : public ::testing::Test {
protected:
  void SetUp() override {
    store_ = openModel("synthetic:gpt2");
    config_ = store_->config();
    module_ = importModel(context_, *store_);
    ASSERT_TRUE(module_);
  }

  mlir::func::FuncOp function(llvm::StringRef name) {
    return module_->lookupSymbol<mlir::func::FuncOp>(name);
  }

  void runPipeline() {
    mlir::PassManager pm(&context_);
    buildPipeline(pm, PipelineOptions{});
    ASSERT_TRUE(mlir::succeeded(pm.run(*module_)));
  }

  void runFusion() {
    mlir::PassManager pm(&context_);
    pm.addNestedPass<mlir::func::FuncOp>(createFuseAttention());
    pm.addNestedPass<mlir::func::FuncOp>(createFuseLinear());
    ASSERT_TRUE(mlir::succeeded(pm.run(*module_)));
  }

  // The cost of @name (fatal failure when it cannot be estimated: call through
  // ASSERT_NO_FATAL_FAILURE).
  void estimate(llvm::StringRef name, int64_t batch, int64_t tokens, int64_t past,
                FunctionCost &cost) {
    mlir::func::FuncOp phase = function(name);
    ASSERT_TRUE(phase) << "no @" << name.str();
    mlir::FailureOr<FunctionCost> estimated = estimateFunctionCost(phase, batch, tokens, past);
    ASSERT_TRUE(mlir::succeeded(estimated)) << "@" << name.str();
    cost = std::move(*estimated);
  }

  // FLOPs of attention for `queries` rows per head over `keys` positions:
  // Q K^T and P V (2 + 2 per multiply-add), scale, mask and softmax per score.
  double attentionFlops(double batch, double queries, double keys) const {
    double heads = double(config_.nHead), headDim = double(config_.headDim());
    double scores = batch * heads * queries * keys;
    return 4 * scores * headDim + (1 + 1 + gpt2::kSoftmaxFlopsPerElement) * scores;
  }

  double lmHeadFlops(double rows) const {
    return 2 * rows * double(config_.vocabSize) * double(config_.nEmbd);
  }

  mlir::MLIRContext context_;
  std::unique_ptr<WeightStore> store_;
  ModelConfig config_;
  mlir::OwningOpRef<mlir::ModuleOp> module_;
};

// The acceptance criterion: with pruning, a 128-token prefill spends at most 1/100
// of the unpruned LM-head FLOPs on the LM head.
TEST_F(CostReport, PrunedPrefillSpendsAtMostAHundredthOfTheLmHeadFlops) {
  constexpr int64_t kTokens = 128;
  FunctionCost forward;
  ASSERT_NO_FATAL_FAILURE(estimate("forward", 1, kTokens, 0, forward));
  ASSERT_NO_FATAL_FAILURE(runPipeline());
  FunctionCost prefill;
  ASSERT_NO_FATAL_FAILURE(estimate("prefill", 1, kTokens, 0, prefill));

  double unpruned = forward.costOf("gpt2.lm_head").flops;
  double pruned = prefill.costOf("gpt2.lm_head").flops;
  EXPECT_EQ(unpruned, lmHeadFlops(kTokens));
  EXPECT_EQ(pruned, lmHeadFlops(1));
  EXPECT_LE(pruned / unpruned, 1.0 / 100);
  EXPECT_DOUBLE_EQ(pruned / unpruned, 1.0 / kTokens);
  EXPECT_EQ(prefill.kinds.at("gpt2.lm_head").count, 1);
  // Both read the whole (tied) embedding table once.
  double table = double(config_.vocabSize * config_.nEmbd) * kFloatBytes;
  EXPECT_EQ(forward.costOf("gpt2.lm_head").weightBytes, table);
  EXPECT_EQ(prefill.costOf("gpt2.lm_head").weightBytes, table);
}

TEST_F(CostReport, DecodeAttendsOverTheValidPositionsOnly) {
  constexpr int64_t kPast = 100;
  FunctionCost forward;
  ASSERT_NO_FATAL_FAILURE(estimate("forward", 1, 1, kPast, forward));
  ASSERT_NO_FATAL_FAILURE(runPipeline());
  FunctionCost decode;
  ASSERT_NO_FATAL_FAILURE(estimate("decode", 1, 1, kPast, decode));

  // Pruned: P + 1 = 101 keys in every layer.
  EXPECT_EQ(decode.tokens, 1);
  EXPECT_EQ(decode.past, kPast);
  ASSERT_EQ(decode.kinds.at("gpt2.attention").count, config_.nLayer);
  for (const OpCostEntry &entry : decode.ops)
    if (entry.opName == "gpt2.attention") {
      EXPECT_EQ(entry.assumptions, "L=101") << entry.label;
      EXPECT_EQ(entry.cost.flops, attentionFlops(1, 1, kPast + 1)) << entry.label;
    }
  EXPECT_EQ(decode.costOf("gpt2.attention").flops,
            double(config_.nLayer) * attentionFlops(1, 1, kPast + 1));

  // Unpruned: the imported primitives read the whole window of C positions.
  const double window = double(config_.nPositions);
  ASSERT_EQ(window, 1024);
  for (const OpCostEntry &entry : forward.ops)
    if (entry.opName == "gpt2.cache_read")
      EXPECT_EQ(entry.assumptions, "L=1024") << entry.label;
  double perLayer = forward.costOf("gpt2.batch_matmul").flops + forward.costOf("gpt2.scale").flops +
                    forward.costOf("gpt2.causal_mask").flops + forward.costOf("gpt2.softmax").flops;
  EXPECT_EQ(perLayer, double(config_.nLayer) * attentionFlops(1, 1, window));
}

// A decode step reads every weight once: the LM head reads all of wte, the two
// embeddings one row each of wte and wpe.
TEST_F(CostReport, DecodeReadsEachWeightOnce) {
  ASSERT_NO_FATAL_FAILURE(runPipeline());
  FunctionCost decode;
  ASSERT_NO_FATAL_FAILURE(estimate("decode", 1, 1, 7, decode));
  double embedding = double(config_.nEmbd);
  double expected =
      (double(config_.parameterCount()) - double(config_.nPositions) * embedding + 2 * embedding) *
      kFloatBytes;
  EXPECT_EQ(decode.total.weightBytes, expected);
}

// Fusion changes the bytes moved, not the arithmetic.
TEST_F(CostReport, FusionKeepsTheFlops) {
  FunctionCost primitives;
  ASSERT_NO_FATAL_FAILURE(estimate("forward", 2, 16, 5, primitives));
  ASSERT_NO_FATAL_FAILURE(runFusion());
  FunctionCost fused;
  ASSERT_NO_FATAL_FAILURE(estimate("forward", 2, 16, 5, fused));
  EXPECT_EQ(fused.total.flops, primitives.total.flops);
  EXPECT_LT(fused.total.bytes(), primitives.total.bytes());
  EXPECT_EQ(fused.kinds.count("gpt2.batch_matmul"), 0u);
  EXPECT_EQ(fused.kinds.at("gpt2.attention").count, config_.nLayer);
}

TEST_F(CostReport, LabelsComeFromTheImportersNames) {
  ASSERT_NO_FATAL_FAILURE(runPipeline());
  FunctionCost prefill;
  ASSERT_NO_FATAL_FAILURE(estimate("prefill", 1, 4, 0, prefill));
  auto labelled = [&](llvm::StringRef op, llvm::StringRef label) {
    return llvm::any_of(prefill.ops, [&](const OpCostEntry &entry) {
      return entry.opName == op && entry.label == label;
    });
  };
  EXPECT_TRUE(labelled("gpt2.lm_head", "lm_head"));
  EXPECT_TRUE(labelled("gpt2.attention", "h.3.attn"));
  // A fused linear carries the names of the ops it replaced.
  EXPECT_TRUE(labelled("gpt2.fused_linear", "h.3.ln_2+h.3.mlp.c_fc+h.3.mlp"));
}

TEST_F(CostReport, LeavesTheFunctionUnchanged) {
  auto text = [](mlir::Operation *op) {
    std::string printed;
    llvm::raw_string_ostream os(printed);
    op->print(os);
    return printed;
  };
  std::string before = text(function("forward"));
  FunctionCost cost;
  ASSERT_NO_FATAL_FAILURE(estimate("forward", 3, 9, 11, cost));
  EXPECT_EQ(text(function("forward")), before);
}

TEST_F(CostReport, RefusesStepsThatDoNotFitTheCache) {
  std::string message;
  mlir::ScopedDiagnosticHandler handler(&context_, [&](mlir::Diagnostic &diagnostic) {
    message = diagnostic.str();
    return mlir::success();
  });
  EXPECT_TRUE(mlir::failed(estimateFunctionCost(function("forward"), 1, 1000, 25)));
  EXPECT_EQ(message,
            "gpt2-cost: cannot specialise @forward: past (25) + tokens (1000) exceeds the cache "
            "capacity 1024");
}

} // namespace
} // namespace gpt2c
