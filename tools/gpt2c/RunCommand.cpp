// gpt2c run MODEL --prompt TEXT: generates text, streaming it to stdout, and
// reports time to first token, time per output token and tokens/s on stderr.
#include "Commands.h"
#include "Session.h"

#include "gpt2c/support/InputOutput.h"

#include "gpt2c/runtime/Generator.h"
#include "gpt2c/support/Error.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace gpt2c::driver {

llvm::cl::SubCommand runCommand("run", "Generate text from a prompt");

namespace {
using llvm::cl::desc;
using llvm::cl::init;
using llvm::cl::sub;
using llvm::cl::value_desc;

ModelOptions common(runCommand);
llvm::cl::opt<std::string> prompt("prompt", desc("Prompt text"), value_desc("TEXT"),
                                  sub(runCommand));
llvm::cl::opt<std::string> promptFile("prompt-file", desc("Read the prompt from FILE (bytes as they are)"),
                                      value_desc("FILE"), sub(runCommand));
llvm::cl::opt<int64_t> maxTokens("n", desc("Maximum number of new tokens (default 64)"),
                                 init(64), sub(runCommand));
llvm::cl::opt<double> temperature("temperature", desc("Sampling temperature; 0 is greedy (default 1)"),
                                  init(1.0), sub(runCommand));
llvm::cl::opt<int32_t> topK("top-k", desc("Sample among the K most likely tokens; 0 is off (default 40)"),
                            init(40), sub(runCommand));
llvm::cl::opt<double> topP("top-p", desc("Nucleus sampling mass in (0, 1]; 1 is off (default 1)"),
                           init(1.0), sub(runCommand));
llvm::cl::opt<double> repetitionPenalty("repetition-penalty",
                                        desc("Penalty > 0 for tokens already present; 1 is off"),
                                        init(1.0), sub(runCommand));
llvm::cl::opt<uint64_t> seed("seed", desc("Seed that makes sampling reproducible (default 0)"),
                             init(0), sub(runCommand));
llvm::cl::list<std::string> stopStrings("stop", desc("Stop when the text contains STRING (repeatable)"),
                                        value_desc("STRING"), sub(runCommand));
llvm::cl::opt<bool> ignoreEndOfText("ignore-eos", desc("Do not stop at <|endoftext|>"),
                                    sub(runCommand));
llvm::cl::opt<bool> special("special", desc("Parse special tokens such as <|endoftext|> in the prompt"),
                            sub(runCommand));
} // namespace

int runRun() {
  setThreads(common.threads);
  if (prompt.getNumOccurrences() + promptFile.getNumOccurrences() != 1)
    fail("give exactly one of --prompt TEXT and --prompt-file FILE");
  std::string promptText = promptFile.getNumOccurrences() ? readFileBytes(promptFile) : prompt;
  if (promptText.empty())
    fail("--prompt is empty (for an unconditional sample use --prompt '<|endoftext|>' --special)");
  if (maxTokens < 1)
    fail("-n {} is out of range: generate at least 1 token", maxTokens.getValue());
  GenerationOptions options;
  options.maxNewTokens = maxTokens;
  options.stopStrings.assign(stopStrings.begin(), stopStrings.end());
  if (ignoreEndOfText)
    options.endOfTextToken.reset();
  options.sampling.temperature = temperature;
  options.sampling.topK = topK;
  options.sampling.topP = topP;
  options.sampling.repetitionPenalty = repetitionPenalty;
  options.sampling.seed = seed;
  options.sampling.validate();

  Tokenizer tokenizer = loadTokenizer(common.tokenizerDir, common.model);
  std::vector<std::int32_t> ids = tokenizer.encode(promptText, EncodeOptions{.allowSpecial = special});
  std::unique_ptr<Backend> backend = common.openBackend();
  if (std::int64_t(ids.size()) >= backend->config().nPositions)
    fail("the prompt has {} tokens; the model's context holds {} and one must remain for output",
         ids.size(), backend->config().nPositions);

  Generator generator(*backend, [&](std::int32_t id) { return std::string(tokenizer.tokenBytes(id)); });
  llvm::outs() << promptText;
  llvm::outs().flush();
  GenerationResult result = generator.generate(ids, options, [](std::string_view text) {
    llvm::outs() << text;
    llvm::outs().flush();
  });
  llvm::outs() << "\n";
  llvm::outs().flush();
  const GenerationTiming &timing = result.timing;
  llvm::errs() << llvm::format(
      "[%s] %lld prompt tokens, %lld generated (%s); time to first token %.1f ms, "
      "%.2f ms per output token, %.2f tokens/s\n",
      backend->describe().c_str(), (long long)result.promptTokens,
      (long long)result.generatedTokens, std::string(stopReasonName(result.stopReason)).c_str(),
      timing.timeToFirstToken * 1e3, timing.perOutputToken * 1e3, timing.tokensPerSecond);
  return 0;
}

} // namespace gpt2c::driver
