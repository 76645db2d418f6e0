#include "ArtifactOptions.h"

#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/runtime/OpenArtifact.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/ThreadPool.h"

namespace gpt2c::run {

void ArtifactOptions::declare(CommandLine &command) {
  command.positional("ARTIFACT", "compiled artifact directory (NAME.gpt2c)", artifact);
  command.option("threads", "N", "worker threads, the caller included (default: one per core)",
                 threads);
  command.option("gpu", "N", "the CUDA device that runs GPU (sm_NN) artifacts (default 0)", gpu);
  command.option("tokenizer", "DIR",
                 "vocab.json and merges.txt to use (default: the artifact's own)", tokenizerDir);
  command.flag("verify", "check the sha256 of the weights before running (slow for big models)",
               verify);
}

std::unique_ptr<CompiledBackend> ArtifactOptions::openBackend() const {
  ThreadPool::setDefaultThreads(threads);
  ExecutorOptions options;
  options.open.verifyWeights = verify;
  options.gpu.device = gpu;
  return openArtifactBackend(artifact, options);
}

Tokenizer ArtifactOptions::loadTokenizer() const {
  if (!tokenizerDir.empty())
    return Tokenizer::fromDirectory(tokenizerDir);
  artifact::Manifest manifest = artifact::readManifest(artifact);
  if (!manifest.tokenizer)
    fail("artifact {} has no tokenizer: pass --tokenizer DIR (a directory with GPT-2's "
         "vocab.json and merges.txt)",
         artifact);
  std::filesystem::path directory(artifact);
  return Tokenizer::fromFiles(directory / manifest.tokenizer->vocab,
                              directory / manifest.tokenizer->merges);
}

} // namespace gpt2c::run
