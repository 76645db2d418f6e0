#include "gpt2c/checkpoint/SyntheticCheckpoint.h"

#include "gpt2c/checkpoint/SafeTensorsWriter.h"
#include "gpt2c/checkpoint/SyntheticWeights.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/InputOutput.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

namespace gpt2c {
namespace fs = std::filesystem;
namespace {

constexpr const char *kTokenizerFiles[] = {"vocab.json", "merges.txt"};


} // namespace

std::string writeSyntheticCheckpoint(const SyntheticCheckpointSpec &spec) {
  auto config = namedConfig(spec.config);
  if (!config)
    fail("--config: unknown configuration '{}' (known: {})", spec.config,
         fmt::join(namedConfigNames(), ", "));
  std::string upper = spec.dtype;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return char(std::toupper(c)); });
  auto storage = parseDType(upper);
  if (!storage || !isWeightDType(*storage))
    fail("--dtype: unsupported '{}' (use F32, F16 or BF16)", spec.dtype);

  fs::path tokenizerDir(spec.tokenizerDir);
  if (!spec.tokenizerDir.empty())
    for (const char *file : kTokenizerFiles)
      if (!fs::is_regular_file(tokenizerDir / file))
        fail("{}: missing tokenizer file", (tokenizerDir / file).string());

  fs::path dir(spec.output);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error)
    fail("{}: cannot create directory: {}", dir.string(), error.message());

  SyntheticWeights store(spec.config, *config, spec.seed);
  writeSafeTensors(store, *storage, (dir / "model.safetensors").string());
  writeFileBytes((dir / "config.json").string(), config->toHfJson());
  if (!spec.tokenizerDir.empty())
    for (const char *file : kTokenizerFiles)
      fs::copy_file(tokenizerDir / file, dir / file, fs::copy_options::overwrite_existing);
  return fmt::format("wrote {} ({} parameters, {}) to {}", store.source(),
                     config->parameterCount(), upper, dir.string());
}

} // namespace gpt2c
