// gpt2c: the compiler driver. `gpt2c SUBCOMMAND --help` documents each subcommand.
#include "Commands.h"

#include "gpt2c/support/Error.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"

#include <exception>

using namespace gpt2c::driver;

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "gpt2c: ahead-of-time compiler for GPT-2 inference\n\n"
      "  gpt2c import MODEL -o FILE.mlir   import a checkpoint into the gpt2 dialect\n"
      "  gpt2c synth --config NAME -o DIR  write synthetic weights as a Hugging Face directory\n\n"
      "MODEL is a Hugging Face GPT-2 directory or synthetic:CONFIG[:SEED]\n"
      "(CONFIG: tiny, gpt2, gpt2-medium, gpt2-large, gpt2-xl; SEED defaults to 1).\n");
  try {
    if (importCommand)
      return runImport();
    if (synthCommand)
      return runSynth();
    llvm::WithColor::error(llvm::errs(), "gpt2c")
        << "missing subcommand (import, synth); see gpt2c --help\n";
    return 1;
  } catch (const std::exception &error) {
    llvm::WithColor::error(llvm::errs(), "gpt2c") << error.what() << "\n";
    return 1;
  }
}
