#include "Session.h"

#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/importer/Importer.h"
#include "gpt2c/interpreter/InterpreterBackend.h"
#include "gpt2c/runtime/OpenArtifact.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/ThreadPool.h"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gpt2c::driver {
namespace fs = std::filesystem;

ModelOptions::ModelOptions(llvm::cl::SubCommand &command)
    : model(llvm::cl::Positional, llvm::cl::Required,
            llvm::cl::desc("<HF directory | synthetic:CONFIG[:SEED]>"), llvm::cl::sub(command)),
      backend("backend", llvm::cl::desc("Executor: interp (default) or interp-f64"),
              llvm::cl::init("interp"), llvm::cl::sub(command)),
      tokenizerDir("tokenizer", llvm::cl::desc("Directory with vocab.json and merges.txt"),
                   llvm::cl::value_desc("DIR"), llvm::cl::sub(command)),
      threads("threads", llvm::cl::desc("Worker threads (default: one per core)"), llvm::cl::init(0),
              llvm::cl::sub(command)),
      pipeline("pipeline",
               llvm::cl::desc("Interpret the IR after the gpt2c pipeline (fusion, phases, pruning)"),
               llvm::cl::sub(command)),
      weights("weights",
              llvm::cl::desc("Store weight matrices as f32 (default), bf16, f16 or int8 (implies "
                             "--pipeline)"),
              llvm::cl::init("f32"), llvm::cl::sub(command)),
      groupSize("group-size", llvm::cl::desc("int8 values per scale (0: one per channel)"),
                llvm::cl::init(0), llvm::cl::sub(command)),
      embeddings("embeddings", llvm::cl::desc("Store wte/wpe as f32, bf16, f16 or int8"),
                 llvm::cl::sub(command)) {}

std::unique_ptr<Backend> ModelOptions::openBackend() const {
  bool optimise = pipeline || weights != "f32" || !embeddings.empty();
  PipelineOptions options;
  options.weights = weights;
  options.groupSize = groupSize;
  options.embeddings = embeddings;
  options.score = true; // perplexity and --all-positions need every position's logits
  return driver::openBackend(model, backend, optimise ? &options : nullptr);
}

std::unique_ptr<Backend> openBackend(const std::string &model, const std::string &backend,
                                     const PipelineOptions *pipeline) {
  // A compiled artifact (a directory with manifest.json) runs on its target's
  // executor: the CPU one for x86-*, the GPU one for sm_NN.
  if (fs::is_regular_file(fs::path(model) / "manifest.json")) {
    if (pipeline || backend != "interp")
      fail("{} is a compiled artifact: --backend, --pipeline and the weight options apply to "
           "checkpoints only",
           model);
    return openArtifactBackend(model);
  }
  if (backend != "interp" && backend != "interp-f64")
    fail("--backend: unknown backend '{}' (available: interp, interp-f64)", backend);
  auto precision = backend == "interp" ? interp::Precision::F32 : interp::Precision::F64;
  std::unique_ptr<WeightStore> store = openModel(model);
  if (!pipeline)
    return std::make_unique<interp::InterpreterBackend>(std::move(store), precision);

  auto context = std::make_unique<mlir::MLIRContext>();
  interp::prepareContext(*context);
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(*context, *store);
  mlir::PassManager pm(context.get());
  buildPipeline(pm, *pipeline);
  if (mlir::failed(pm.run(*module)))
    fail("{}: the gpt2c pipeline failed (see the diagnostics above)", model);
  return std::make_unique<interp::InterpreterBackend>(std::move(context), std::move(module),
                                                      std::move(store), precision);
}

Tokenizer loadTokenizer(const std::string &explicitDir, const std::string &model) {
  auto hasFiles = [](const fs::path &dir) {
    return fs::is_regular_file(dir / "vocab.json") && fs::is_regular_file(dir / "merges.txt");
  };
  if (!explicitDir.empty())
    return Tokenizer::fromDirectory(explicitDir);
  if (!model.starts_with("synthetic:") && hasFiles(model))
    return Tokenizer::fromDirectory(model);
  if (const char *env = std::getenv("GPT2C_TOKENIZER_DIR"); env && *env)
    return Tokenizer::fromDirectory(env);
  fs::path shared = fs::path("..") / "shared" / "tokenizer" / "gpt2";
  if (hasFiles(shared))
    return Tokenizer::fromDirectory(shared);
  fail("no GPT-2 tokenizer found for {}: pass --tokenizer DIR (a directory with GPT-2's "
       "vocab.json and merges.txt) or set GPT2C_TOKENIZER_DIR",
       model);
}

void setThreads(unsigned threads) { ThreadPool::setDefaultThreads(threads); }

} // namespace gpt2c::driver
