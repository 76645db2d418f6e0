#include "gpt2c/codegen/ptx/PtxCompiler.h"

#include "gpt2c/artifact/ArtifactWriter.h"
#include "gpt2c/artifact/LaunchPlan.h"
#include "gpt2c/codegen/ptx/LaunchPlanner.h"
#include "gpt2c/codegen/ptx/PtxEmitter.h"
#include "gpt2c/IR/FirstError.h"
#include "gpt2c/importer/Importer.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/InputOutput.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <filesystem>
#include <fstream>

namespace gpt2c::ptx {
namespace {

namespace fs = std::filesystem;


} // namespace

void compile(const CompileOptions &options) {
  if (options.output.empty())
    fail("compile: missing -o OUTPUT.gpt2c");
  if (options.target != "sm_90")
    fail("compile: unsupported GPU target '{}' (available: sm_90)", options.target);
  if (options.maxBatch < 1)
    fail("compile: --max-batch must be at least 1, got {}", options.maxBatch);
  if (options.pipeline.weights == "int8")
    fail("compile: --weights int8 is not supported for {} (f32, bf16 or f16)", options.target);
  std::unique_ptr<WeightStore> store = openModel(options.model);
  const ModelConfig &config = store->config();
  if (options.maxTokens < 0 || options.maxTokens > config.nPositions)
    fail("compile: --max-tokens {} is out of range (0 to {})", options.maxTokens,
         config.nPositions);
  std::int64_t maxTokens = options.maxTokens ? options.maxTokens : config.nPositions;

  mlir::MLIRContext context;
  FirstError diagnostics(context);
  auto failWith = [&](const std::string &what) {
    fail("{}: {}", what, diagnostics.message());
  };
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(context, *store);
  SelectSchedulesOptions schedules;
  schedules.target = options.target;
  if (mlir::failed(runCompilePipeline(*module, options.pipeline, schedules)))
    failWith("compile: the gpt2c pipeline");

  fs::path work = fs::path(options.output).string() + ".work";
  fs::remove_all(work);
  fs::create_directories(work);
  LaunchPlanner planner({options.maxBatch, maxTokens});
  nlohmann::json plan = {{"format", artifact::kLaunchPlanFormatName},
                         {"format_version", artifact::kLaunchPlanFormatVersion},
                         {"scratch_bytes", 0},
                         {"phases", nlohmann::json::object()}};
  artifact::ArtifactSpec spec;
  spec.target = {options.target, {}};
  spec.maxBatch = options.maxBatch;
  spec.maxTokens = maxTokens;
  std::uint64_t scratch = 0, counters = 0;
  for (auto function : module->getOps<mlir::func::FuncOp>()) {
    mlir::FailureOr<PhasePlan> phase = planner.plan(function);
    if (mlir::failed(phase))
      failWith("compile: planning @" + function.getSymName().str());
    std::string moduleName = phase->phase + ".ptx";
    PtxTarget target{options.target, "+ptx80"};
    if (options.keepIntermediates)
      writeFileBytes((work / (phase->phase + ".kernels.mlir")).string(),
                     kernelModuleText(phase->kernels, target));
    writeFileBytes((work / moduleName).string(), emitPtx(phase->kernels, target, moduleName));
    // Every kernel awaits its predecessors, so any phase could overlap launches;
    // measured on an H100, that helps decode (short memory-bound launches) and
    // slows prefill (LAUNCH_PLAN.md).
    plan["phases"][phase->phase] = {{"module", moduleName},
                                    {"dependent_launch", phase->phase == "decode"},
                                    {"launches", phase->launches}};
    scratch = std::max(scratch, phase->scratchBytes);
    counters = std::max(counters, phase->countersBytes); // phases run one at a time
    spec.phases.push_back({phase->phase, work / moduleName, phase->phase,
                           phase->logits == "all" ? artifact::LogitsRows::All
                                                  : artifact::LogitsRows::Last});
  }
  plan["scratch_bytes"] = std::max<std::uint64_t>(scratch, 256);
  plan["counters_bytes"] = counters;
  writeFileBytes((work / "launch_plan.json").string(), plan.dump(1) + "\n");
  spec.launchPlan = work / "launch_plan.json";
  spec.scratchBytes = plan["scratch_bytes"].get<std::uint64_t>();
  spec.weights = planner.slots();
  spec.externalWeights = options.externalWeights;
  spec.tokenizerDir = artifact::tokenizerToCarry(options.model, options.tokenizerDir);
  artifact::ArtifactWriter(spec).write(*store, options.output);
  if (!options.keepIntermediates)
    fs::remove_all(work);
}

} // namespace gpt2c::ptx
