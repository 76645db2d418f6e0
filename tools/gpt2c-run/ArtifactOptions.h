#pragma once
// What every gpt2c-run subcommand that runs an artifact shares: the ARTIFACT
// positional, --threads, --gpu, --tokenizer and --verify, opening the executor of
// the artifact's target and finding the tokenizer.
#include "gpt2c/runtime/CompiledBackend.h"
#include "gpt2c/support/CommandLine.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include <memory>
#include <string>

namespace gpt2c::run {

struct ArtifactOptions {
  std::string artifact;
  std::string tokenizerDir;
  unsigned threads = 0;
  std::int32_t gpu = 0;
  bool verify = false;

  // Declares the shared arguments on `command`.
  void declare(CommandLine &command);
  // Sizes the process thread pool (--threads), then opens the artifact on the
  // executor of its target: the CPU for x86-*, GPU --gpu for sm_NN.
  std::unique_ptr<CompiledBackend> openBackend() const;
  // --tokenizer DIR when given, else the artifact's own tokenizer files.
  Tokenizer loadTokenizer() const;
};

} // namespace gpt2c::run
