#include "gpt2c/codegen/ptx/PtxEmitter.h"

#include "gpt2c/IR/FirstError.h"
#include "gpt2c/support/Error.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>

#include <mutex>

namespace gpt2c::ptx {

namespace {

// The lowering of the gpu.module: structured control flow and vectors to LLVM,
// gpu/arith to NVVM, then the NVPTX back end (optimisation level 3) to PTX text.
constexpr const char *kLowering =
    "gpu.module(convert-scf-to-cf,convert-vector-to-llvm,convert-gpu-to-nvvm,canonicalize,cse,"
    "reconcile-unrealized-casts),gpu-module-to-binary{format=isa opts=-O3}";

} // namespace

std::string kernelModuleText(const std::vector<KernelSource> &kernels, const PtxTarget &target) {
  std::string globals, functions;
  for (const KernelSource &kernel : kernels) {
    globals += kernel.globals;
    functions += kernel.function;
  }
  return fmt::format("module attributes {{gpu.container_module}} {{\n"
                     "  gpu.module @kernels [#nvvm.target<chip = \"{}\", features = \"{}\">] {{\n"
                     "{}{}  }}\n}}\n",
                     target.chip, target.features, globals, functions);
}

std::string emitPtx(const std::vector<KernelSource> &kernels, const PtxTarget &target,
                    const std::string &what) {
  static std::once_flag passesRegistered;
  std::call_once(passesRegistered, [] { mlir::registerAllPasses(); });
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();

  FirstError diagnostics(context);
  std::string text = kernelModuleText(kernels, target);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &context, what);
  if (!module)
    fail("{}: the kernels do not parse: {}", what, diagnostics.message());

  mlir::PassManager pm(&context);
  std::string pipelineError;
  llvm::raw_string_ostream pipelineErrors(pipelineError);
  if (mlir::failed(mlir::parsePassPipeline(kLowering, pm, pipelineErrors)))
    fail("{}: the lowering pipeline: {}", what, pipelineError);
  if (mlir::failed(pm.run(*module)))
    fail("{}: lowering to PTX failed: {}", what, diagnostics.message());

  std::string ptx;
  module->walk([&](mlir::gpu::BinaryOp binary) {
    for (mlir::Attribute object : binary.getObjects())
      if (auto gpuObject = llvm::dyn_cast<mlir::gpu::ObjectAttr>(object))
        ptx = gpuObject.getObject().str();
  });
  if (ptx.empty())
    fail("{}: lowering produced no PTX", what);
  // The assembly ends with a NUL terminator for the driver; the file keeps text only.
  while (!ptx.empty() && ptx.back() == '\0')
    ptx.pop_back();
  return ptx;
}

} // namespace gpt2c::ptx
