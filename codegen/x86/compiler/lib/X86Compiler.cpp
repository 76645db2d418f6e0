#include "gpt2c/codegen/X86Compiler.h"

#include "gpt2c/codegen/Toolchain.h"
#include "gpt2c/IR/FirstError.h"
#include "gpt2c/artifact/ArtifactWriter.h"
#include "gpt2c/codegen/GlueEmitter.h"
#include "gpt2c/codegen/KernelPlan.h"
#include "gpt2c/codegen/ObjectEmitter.h"
#include "gpt2c/importer/Importer.h"
#include "gpt2c/support/Error.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include <filesystem>
#include <fstream>

namespace gpt2c::x86 {
namespace {

namespace fs = std::filesystem;


artifact::LogitsRows logitsRows(const std::string &logits) {
  return logits == "last" ? artifact::LogitsRows::Last : artifact::LogitsRows::All;
}

} // namespace

void compile(const CompileOptions &options) {
  if (options.output.empty())
    fail("compile: missing -o OUTPUT.gpt2c");
  if (options.maxBatch < 1)
    fail("compile: --max-batch must be at least 1, got {}", options.maxBatch);
  std::unique_ptr<WeightStore> store = openModel(options.model);
  if (options.maxTokens < 0 || options.maxTokens > store->config().nPositions)
    fail("compile: --max-tokens {} is out of range (0 to {})", options.maxTokens,
         store->config().nPositions);

  mlir::MLIRContext context;
  context.loadDialect<mlir::LLVM::LLVMDialect>();
  FirstError diagnostics(context);
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(context, *store);
  SelectSchedulesOptions schedules;
  schedules.tuningDb = options.tuningDb;
  schedules.threads = options.threads;
  if (mlir::failed(runCompilePipeline(*module, options.pipeline, schedules)))
    fail("compile: the gpt2c pipeline: {}", diagnostics.message());

  mlir::FailureOr<KernelPlan> plan = KernelPlan::build(*module);
  if (mlir::failed(plan))
    fail("compile: kernel planning: {}", diagnostics.message());

  const nlohmann::json generatorSpec = plan->generatorSpec();
  fs::path work = fs::path(options.output).string() + ".work";
  fs::remove_all(work);
  fs::create_directories(work / "kernels");
  {
    std::ofstream spec(work / "kernels.json");
    spec << generatorSpec.dump(2) << "\n";
    if (!spec.flush())
      fail("{}: write failed", (work / "kernels.json").string());
  }
  runTool(halideGenerator(),
          {"kernels", "--spec", (work / "kernels.json").string(), "--output-dir",
           (work / "kernels").string(), "--target",
           halideTargetFor(generatorSpec, options.halideTarget)});
  std::vector<std::string> kernelObjects;
  for (const fs::directory_entry &entry : fs::directory_iterator(work / "kernels"))
    if (entry.path().extension() == ".o")
      kernelObjects.push_back(entry.path().string());

  artifact::ArtifactSpec spec;
  if (needsDotProducts(generatorSpec))
    spec.target.cpuFeatures.insert(spec.target.cpuFeatures.end(), kDotProductCpuFeatures.begin(),
                                   kDotProductCpuFeatures.end());
  spec.maxBatch = options.maxBatch;
  spec.maxTokens = options.maxTokens;
  spec.weights = plan->slots();
  spec.externalWeights = options.externalWeights;
  spec.tokenizerDir = artifact::tokenizerToCarry(options.model, options.tokenizerDir);
  GlueOptions glueOptions{options.maxBatch, options.maxTokens};
  for (auto function : module->getOps<mlir::func::FuncOp>()) {
    mlir::FailureOr<PhaseGlue> glue = emitPhaseGlue(function, *plan, glueOptions);
    if (mlir::failed(glue))
      fail("compile: glue of @{}: {}", function.getSymName().str(), diagnostics.message());
    fs::path object = work / (glue->phase + "_glue.o");
    fs::path library = work / (glue->phase + ".so");
    emitObject(*glue->module, object.string());
    std::vector<std::string> link = {"-shared", "-Bsymbolic", "--gc-sections", "-o",
                                     library.string(), object.string(), phaseSupportObject()};
    link.insert(link.end(), kernelObjects.begin(), kernelObjects.end());
    runTool(linker(), link);
    spec.scratchBytes = std::max(spec.scratchBytes, glue->scratchBytes);
    spec.phases.push_back({glue->phase, library, glue->symbol, logitsRows(glue->logits)});
  }
  artifact::ArtifactWriter(spec).write(*store, options.output);
  if (!options.keepIntermediates)
    fs::remove_all(work);
}

} // namespace gpt2c::x86
