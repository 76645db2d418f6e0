// gpt2c synth --config NAME [--seed N] [--dtype T] [--tokenizer DIR] -o DIR:
// writes synthetic weights as a real Hugging Face checkpoint directory.
#include "Commands.h"

#include "gpt2c/checkpoint/SafeTensorsWriter.h"
#include "gpt2c/checkpoint/SyntheticWeights.h"
#include "gpt2c/support/Error.h"

#include <filesystem>
#include <fstream>

namespace gpt2c::driver {

llvm::cl::SubCommand synthCommand("synth",
                                  "Write deterministic synthetic weights as a Hugging Face directory");

namespace {
namespace fs = std::filesystem;

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

void writeText(const fs::path &path, const std::string &text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  if (!file.flush())
    fail("{}: write failed", path.string());
}
} // namespace

int runSynth() {
  auto config = namedConfig(configName);
  if (!config)
    fail("--config: unknown configuration '{}' (known: {})", configName.getValue(),
         fmt::join(namedConfigNames(), ", "));
  std::string upper = dtype;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  auto storage = parseDType(upper);
  if (!storage || !isWeightDType(*storage))
    fail("--dtype: unsupported '{}' (use F32, F16 or BF16)", dtype.getValue());

  fs::path tokenizerDir(tokenizer.getValue());
  if (!tokenizer.empty())
    for (const char *file : {"vocab.json", "merges.txt"})
      if (!fs::is_regular_file(tokenizerDir / file))
        fail("{}: missing tokenizer file", (tokenizerDir / file).string());

  fs::path dir(output.getValue());
  std::error_code error;
  fs::create_directories(dir, error);
  if (error)
    fail("{}: cannot create directory: {}", dir.string(), error.message());

  SyntheticWeights store(configName, *config, seed);
  writeSafeTensors(store, *storage, (dir / "model.safetensors").string());
  writeText(dir / "config.json", config->toHfJson());
  if (!tokenizer.empty())
    for (const char *file : {"vocab.json", "merges.txt"})
      fs::copy_file(tokenizerDir / file, dir / file, fs::copy_options::overwrite_existing);
  llvm::outs() << "wrote " << store.source() << " (" << config->parameterCount()
               << " parameters, " << upper << ") to " << dir.string() << "\n";
  return 0;
}

} // namespace gpt2c::driver
