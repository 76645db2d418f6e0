// gpt2c-run: runs compiled GPT-2 artifacts (NAME.gpt2c directories written by
// `gpt2c compile`) on the CPU (x86-* targets) or an NVIDIA GPU (sm_NN targets,
// through libcuda.so.1 opened at run time). A small executable: the runtime
// libraries of this repository, fmt and nlohmann-json compiled in, libdl and
// pthreads; no MLIR, LLVM or Halide.
#include "Commands.h"

#include "gpt2c/support/CommandLine.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <vector>

int main(int argc, char **argv) {
  using namespace gpt2c;
  std::vector<Subcommand> subcommands{
      {"run", "generate text from a prompt", run::runGenerate},
      {"logits", "write the logits of a prompt as raw float32", run::runLogits},
      {"eval", "measure perplexity, or compare with another artifact", run::runEval},
      {"bench", "time prefill and decode", run::runBench},
      {"tokenize", "encode text into GPT-2 token ids, or decode ids", run::runTokenize},
      {"verify", "check every file of an artifact, the weights' sha256 included", run::runVerify},
      {"synth", "write synthetic weights as a Hugging Face directory", run::runSynth},
  };
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return runSubcommand("gpt2c-run", "gpt2c-run: runs compiled GPT-2 artifacts on the CPU or an NVIDIA GPU",
                         subcommands, args);
  } catch (const UsageError &error) {
    fmt::print(stderr, "{}\n", error.what()); // already names the command
    return 2;
  } catch (const std::exception &error) {
    std::fflush(stdout);
    fmt::print(stderr, "gpt2c-run: error: {}\n", error.what());
    return 1;
  }
}
