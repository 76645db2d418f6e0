// gpt2c synth --config NAME [--seed N] [--dtype T] [--tokenizer DIR] -o DIR:
// writes synthetic weights as a real Hugging Face checkpoint directory.
#include "Commands.h"

#include "gpt2c/checkpoint/SyntheticCheckpoint.h"

namespace gpt2c::driver {

llvm::cl::SubCommand synthCommand("synth",
                                  "Write deterministic synthetic weights as a Hugging Face directory");

namespace {

llvm::cl::opt<std::string> configName("config", llvm::cl::Required,
                                      llvm::cl::desc("tiny, gpt2, gpt2-medium, gpt2-large or gpt2-xl"),
                                      llvm::cl::sub(synthCommand));
llvm::cl::opt<uint64_t> seed("seed", llvm::cl::desc("Seed of the synthetic weights"),
                             llvm::cl::init(1), llvm::cl::sub(synthCommand));
llvm::cl::opt<std::string> dtype("dtype", llvm::cl::desc("Storage dtype: F32 (default), F16, BF16"),
                                 llvm::cl::init("F32"), llvm::cl::sub(synthCommand));
llvm::cl::opt<std::string> tokenizer("tokenizer",
                                     llvm::cl::desc("Copy vocab.json and merges.txt from DIR"),
                                     llvm::cl::value_desc("DIR"), llvm::cl::sub(synthCommand));
llvm::cl::opt<std::string> output("o", llvm::cl::Required, llvm::cl::desc("Output directory"),
                                  llvm::cl::value_desc("DIR"), llvm::cl::sub(synthCommand));

} // namespace

int runSynth() {
  SyntheticCheckpointSpec spec;
  spec.config = configName;
  spec.seed = seed;
  spec.dtype = dtype;
  spec.tokenizerDir = tokenizer;
  spec.output = output;
  llvm::outs() << writeSyntheticCheckpoint(spec) << "\n";
  return 0;
}

} // namespace gpt2c::driver
