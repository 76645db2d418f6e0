// gpt2c-run synth --config NAME [--seed S] [--dtype T] [--tokenizer DIR] -o DIR:
// synthetic weights as a Hugging Face directory, as `gpt2c synth` writes them, on
// machines that have only the runtime (the GPU machine's tests compare with them).
#include "Commands.h"

#include "gpt2c/checkpoint/SyntheticCheckpoint.h"
#include "gpt2c/support/CommandLine.h"
#include "gpt2c/support/Error.h"

namespace gpt2c::run {

int runSynth(std::span<const std::string> args) {
  SyntheticCheckpointSpec spec;
  CommandLine command("gpt2c-run synth",
                      "Write deterministic synthetic weights as a Hugging Face directory");
  command.option("config", "NAME", "tiny, gpt2, gpt2-medium, gpt2-large or gpt2-xl", spec.config);
  command.option("seed", "S", "seed of the synthetic weights (default 1)", spec.seed);
  command.option("dtype", "T", "storage dtype: F32 (default), F16 or BF16", spec.dtype);
  command.option("tokenizer", "DIR", "copy vocab.json and merges.txt from DIR", spec.tokenizerDir);
  command.option("o", "DIR", "output directory", spec.output);
  if (!command.parse(args))
    return 0;
  if (spec.config.empty())
    fail("give the configuration with --config NAME");
  if (spec.output.empty())
    fail("give the output directory with -o DIR");
  fmt::print("{}\n", writeSyntheticCheckpoint(spec));
  return 0;
}

} // namespace gpt2c::run
