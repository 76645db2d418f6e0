// The named pipeline gpt2c compile runs, and pass registration for gpt2c-opt.
#include "gpt2c/passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace gpt2c {

using namespace mlir;

void buildPipeline(OpPassManager &pm, const PipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createFuseAttention());
  pm.addNestedPass<func::FuncOp>(createFuseLinear());
  pm.addNestedPass<func::FuncOp>(createFuseEmbeddings());
  // Phases are split before pruning so that @prefill can keep only the last
  // position's logits while @score keeps all of them.
  pm.addPass(createSplitPhases(SplitPhasesOptions{options.score, /*keepForward=*/false}));
  pm.addNestedPass<func::FuncOp>(createPruneContext());
  pm.addNestedPass<func::FuncOp>(createRefineShapes());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // WEIGHT-PRECISION-PIPELINE (enabled when the pass is implemented)
  if (options.weights != "f32" || (!options.embeddings.empty() && options.embeddings != "f32"))
    pm.addPass(createWeightPrecision(
        WeightPrecisionOptions{options.weights, options.groupSize, options.embeddings}));
}

LogicalResult runCompilePipeline(ModuleOp module, PipelineOptions pipeline,
                                 const SelectSchedulesOptions &schedules) {
  PassManager pm(module.getContext());
  pipeline.score = true;
  buildPipeline(pm, pipeline);
  pm.addPass(createSelectSchedules(schedules));
  return pm.run(module);
}

namespace {
struct PipelineCommandLine : PassPipelineOptions<PipelineCommandLine> {
  Option<std::string> weights{*this, "weights",
                              llvm::cl::desc("Weight matrices stored as f32, bf16, f16 or int8"),
                              llvm::cl::init("f32")};
  Option<int64_t> groupSize{*this, "group-size",
                            llvm::cl::desc("int8 group size (0: one scale per channel)"),
                            llvm::cl::init(0)};
  Option<std::string> embeddings{*this, "embeddings",
                                 llvm::cl::desc("Embeddings stored as f32, bf16, f16 or int8"),
                                 llvm::cl::init("")};
  Option<bool> score{*this, "score", llvm::cl::desc("Also emit @score (every position's logits)"),
                     llvm::cl::init(false)};
};
} // namespace

void registerAllPasses() {
  registerFuseAttention();
  registerFuseLinear();
  registerFuseEmbeddings();
  registerSplitPhases();
  registerPruneContext();
  registerRefineShapes();
  registerSelectSchedules();
  registerWeightPrecision();    // WEIGHT-PRECISION-REGISTRATION
  registerCostReport();         // COST-REPORT-REGISTRATION
  PassPipelineRegistration<PipelineCommandLine>(
      "gpt2-pipeline", "The gpt2c optimisation pipeline (fusion, phases, pruning, precision)",
      [](OpPassManager &pm, const PipelineCommandLine &commandLine) {
        buildPipeline(pm, PipelineOptions{commandLine.weights, commandLine.groupSize,
                                          commandLine.embeddings, commandLine.score});
      });
}

} // namespace gpt2c
