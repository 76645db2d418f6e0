// gpt2c-run run ARTIFACT --prompt TEXT: generates text, streaming it to stdout,
// and reports time to first token, time per output token and tokens/s on stderr.
#include "ArtifactOptions.h"
#include "Commands.h"
#include "gpt2c/support/InputOutput.h"

#include "gpt2c/runtime/Generator.h"
#include "gpt2c/support/Error.h"

#include <cstdio>

namespace gpt2c::run {

int runGenerate(std::span<const std::string> args) {
  ArtifactOptions artifact;
  std::string prompt, promptFile;
  std::int64_t maxTokens = 64;
  GenerationOptions options;
  bool ignoreEndOfText = false, special = false;
  CommandLine command("gpt2c-run run", "Generate text from a prompt");
  artifact.declare(command);
  command.option("prompt", "TEXT", "prompt text", prompt);
  command.option("prompt-file", "FILE", "read the prompt from FILE (bytes as they are)",
                 promptFile);
  command.option("n", "N", "maximum number of new tokens (default 64)", maxTokens);
  command.option("temperature", "T", "sampling temperature; 0 is greedy (default 1)",
                 options.sampling.temperature);
  command.option("top-k", "K", "sample among the K most likely tokens; 0 is off (default 40)",
                 options.sampling.topK);
  command.option("top-p", "P", "nucleus sampling mass in (0, 1]; 1 is off (default 1)",
                 options.sampling.topP);
  command.option("repetition-penalty", "R", "penalty > 0 for tokens already present; 1 is off",
                 options.sampling.repetitionPenalty);
  command.option("seed", "S", "seed that makes sampling reproducible (default 0)",
                 options.sampling.seed);
  command.list("stop", "STRING", "stop when the text contains STRING (repeatable)",
               options.stopStrings);
  command.flag("ignore-eos", "do not stop at <|endoftext|>", ignoreEndOfText);
  command.flag("special", "parse special tokens such as <|endoftext|> in the prompt", special);
  if (!command.parse(args))
    return 0;

  if (command.given("prompt") == command.given("prompt-file"))
    fail("give exactly one of --prompt TEXT and --prompt-file FILE");
  std::string text = command.given("prompt-file") ? readFileBytes(promptFile) : prompt;
  if (text.empty())
    fail("--prompt is empty (for an unconditional sample use --prompt '<|endoftext|>' --special)");
  if (maxTokens < 1)
    fail("-n {} is out of range: generate at least 1 token", maxTokens);
  for (const std::string &stop : options.stopStrings)
    if (stop.empty())
      fail("--stop: an empty stop string would stop at once");
  options.maxNewTokens = maxTokens;
  if (ignoreEndOfText)
    options.endOfTextToken.reset();
  options.sampling.validate();

  Tokenizer tokenizer = artifact.loadTokenizer();
  std::vector<std::int32_t> ids = tokenizer.encode(text, EncodeOptions{.allowSpecial = special});
  std::unique_ptr<CompiledBackend> backend = artifact.openBackend();
  std::int64_t context = backend->config().nPositions;
  if (std::int64_t(ids.size()) >= context)
    fail("the prompt has {} tokens; artifact {} holds {} and one must remain for output",
         ids.size(), artifact.artifact, context);

  Generator generator(*backend,
                      [&](std::int32_t id) { return std::string(tokenizer.tokenBytes(id)); });
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  GenerationResult result = generator.generate(ids, options, [](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
  });
  std::fputs("\n", stdout);
  std::fflush(stdout);
  const GenerationTiming &timing = result.timing;
  fmt::print(stderr,
             "[{}] {} prompt tokens, {} generated ({}); time to first token {:.1f} ms, "
             "{:.2f} ms per output token, {:.2f} tokens/s\n",
             backend->describe(), result.promptTokens, result.generatedTokens,
             stopReasonName(result.stopReason), timing.timeToFirstToken * 1e3,
             timing.perOutputToken * 1e3, timing.tokensPerSecond);
  return 0;
}

} // namespace gpt2c::run
