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
      "  gpt2c import MODEL -o FILE.mlir    import a checkpoint into the gpt2 dialect\n"
      "  gpt2c compile MODEL -o OUT.gpt2c   compile prefill and decode executables\n"
      "  gpt2c tune MODEL -o TUNING.json    measure kernel schedules for compile --tuning-db\n"
      "  gpt2c run MODEL --prompt TEXT      generate text\n"
      "  gpt2c logits MODEL --prompt TEXT   write logits as raw float32\n"
      "  gpt2c eval MODEL --perplexity FILE measure perplexity (or --compare-to OTHER)\n"
      "  gpt2c tokenize TEXT                print GPT-2 token ids (--decode: the reverse)\n"
      "  gpt2c synth --config NAME -o DIR   write synthetic weights as a Hugging Face directory\n\n"
      "MODEL is a Hugging Face GPT-2 directory or synthetic:CONFIG[:SEED]\n"
      "(CONFIG: tiny, gpt2, gpt2-medium, gpt2-large, gpt2-xl; SEED defaults to 1).\n");
  try {
    if (importCommand)
      return runImport();
    if (synthCommand)
      return runSynth();
    if (tokenizeCommand)
      return runTokenize();
    if (runCommand)
      return runRun();
    if (logitsCommand)
      return runLogits();
    if (evalCommand)
      return runEval();
    if (compileCommand)
      return runCompile();
    if (tuneCommand)
      return runTune();
    llvm::WithColor::error(llvm::errs(), "gpt2c")
        << "missing subcommand (import, compile, tune, run, logits, eval, tokenize, synth); see gpt2c --help\n";
    return 1;
  } catch (const std::exception &error) {
    llvm::WithColor::error(llvm::errs(), "gpt2c") << error.what() << "\n";
    return 1;
  }
}
