#pragma once
// What the model-running subcommands (run, logits, eval, tokenize) share: opening
// a MODEL as a backend, finding its tokenizer, parsing id lists and reading files.
#include "gpt2c/passes/Passes.h"
#include "gpt2c/runtime/Backend.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include "llvm/Support/CommandLine.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gpt2c::driver {

// The options of every model-running subcommand: MODEL, --backend, --tokenizer,
// --threads. Each subcommand holds one, constructed with its SubCommand.
struct ModelOptions {
  explicit ModelOptions(llvm::cl::SubCommand &command);
  llvm::cl::opt<std::string> model;
  llvm::cl::opt<std::string> backend;
  llvm::cl::opt<std::string> tokenizerDir;
  llvm::cl::opt<unsigned> threads;
  // The optimisation pipeline before interpretation, and its weight precision.
  llvm::cl::opt<bool> pipeline;
  llvm::cl::opt<std::string> weights;
  llvm::cl::opt<int64_t> groupSize;
  llvm::cl::opt<std::string> embeddings;

  std::unique_ptr<Backend> openBackend() const;
};

// MODEL (an HF directory or synthetic:CONFIG[:SEED]) behind the named backend:
// "interp" (float32 reference interpreter) or "interp-f64", running the imported
// forward step, or with `pipeline` the IR the gpt2c pipeline makes of it.
std::unique_ptr<Backend> openBackend(const std::string &model, const std::string &backend,
                                     const PipelineOptions *pipeline = nullptr);

// The tokenizer for MODEL: `explicitDir` when given, else MODEL's own directory when
// it holds vocab.json and merges.txt, else $GPT2C_TOKENIZER_DIR, else
// ../shared/tokenizer/gpt2 beside the working directory. Throws with a hint when
// none is found.
Tokenizer loadTokenizer(const std::string &explicitDir, const std::string &model);

// Sizes the process thread pool (0: one thread per core); call before any work.
void setThreads(unsigned threads);

} // namespace gpt2c::driver
