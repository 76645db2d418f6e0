// gpt2c-run logits ARTIFACT (--prompt TEXT | --ids LIST) [--all-positions] -o FILE.f32:
// raw little-endian float32 logits, for comparison with other tools.
#include "ArtifactOptions.h"
#include "Commands.h"
#include "gpt2c/support/InputOutput.h"

#include "gpt2c/support/Error.h"

namespace gpt2c::run {

int runLogits(std::span<const std::string> args) {
  ArtifactOptions artifact;
  std::string prompt, ids, output;
  bool allPositions = false;
  CommandLine command("gpt2c-run logits", "Write the logits of a prompt as raw float32");
  artifact.declare(command);
  command.option("prompt", "TEXT", "prompt text", prompt);
  command.option("ids", "LIST", "prompt token ids, e.g. 464,2068,7586", ids);
  command.flag("all-positions", "write every position's row (default: the last one)", allPositions);
  command.option("o", "FILE", "output file (raw float32, rows of vocab_size values)", output);
  if (!command.parse(args))
    return 0;
  if (command.given("prompt") == command.given("ids"))
    fail("give exactly one of --prompt TEXT and --ids LIST");
  if (output.empty())
    fail("give the output file with -o FILE");
  std::vector<std::int32_t> tokens =
      command.given("ids") ? parseIdList(ids, "--ids") : artifact.loadTokenizer().encode(prompt);
  if (tokens.empty())
    fail("the prompt has no tokens");

  std::unique_ptr<CompiledBackend> backend = artifact.openBackend();
  std::vector<float> logits = backend->forward(tokens, allPositions);
  writeFloats(output, logits);
  std::int64_t vocab = backend->config().vocabSize;
  fmt::print(stderr, "wrote {} x {} float32 logits to {}\n", std::int64_t(logits.size()) / vocab,
             vocab, output);
  return 0;
}

} // namespace gpt2c::run
