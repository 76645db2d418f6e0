// gpt2c import MODEL [-o FILE] [--summary]: the frontend as a command.
#include "Commands.h"

#include "gpt2c/IR/ModuleSummary.h"
#include "gpt2c/importer/Importer.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

namespace gpt2c::driver {

llvm::cl::SubCommand importCommand("import",
                                   "Import a GPT-2 checkpoint into the gpt2 dialect (one forward step)");

namespace {
llvm::cl::opt<std::string> model(llvm::cl::Positional, llvm::cl::Required,
                                 llvm::cl::desc("<HF directory | synthetic:CONFIG[:SEED]>"),
                                 llvm::cl::sub(importCommand));
llvm::cl::opt<std::string> output("o", llvm::cl::desc("Output file for the IR ('-' for stdout)"),
                                  llvm::cl::value_desc("file"), llvm::cl::sub(importCommand));
llvm::cl::opt<bool> summary("summary",
                            llvm::cl::desc("Print a summary of the imported IR to stdout"),
                            llvm::cl::sub(importCommand));
} // namespace

int runImport() {
  if (output.empty() && !summary) {
    llvm::WithColor::error(llvm::errs(), "gpt2c import")
        << "nothing to do: give -o FILE (or -o - for stdout) and/or --summary\n";
    return 1;
  }
  std::unique_ptr<WeightStore> store = openModel(model);
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(context, *store);

  if (!output.empty()) {
    std::string error;
    auto file = mlir::openOutputFile(output, &error);
    if (!file) {
      llvm::WithColor::error(llvm::errs(), "gpt2c import") << error << "\n";
      return 1;
    }
    module->print(file->os());
    file->os() << "\n";
    file->keep();
  }
  if (summary)
    gpt2::printModuleSummary(*module, llvm::outs());
  return 0;
}

} // namespace gpt2c::driver
