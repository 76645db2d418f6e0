// gpt2c-run eval ARTIFACT --perplexity FILE [--window N] [--max-windows N] [--json]
// gpt2c-run eval ARTIFACT --compare-to OTHER --prompts FILE [--greedy N] [--json]
// Perplexity over a text file, or the comparison with another artifact on prompts
// (OTHER is the reference: e.g. an f32 build against a bf16 or int8 one).
#include "ArtifactOptions.h"
#include "Commands.h"
#include "gpt2c/support/InputOutput.h"

#include "gpt2c/runtime/Comparison.h"
#include "gpt2c/runtime/Perplexity.h"
#include "gpt2c/support/Error.h"

#include <nlohmann/json.hpp>

namespace gpt2c::run {
namespace {

struct EvalOptions {
  ArtifactOptions artifact;
  std::string perplexityFile, compareTo, promptsFile;
  std::int64_t window = 0, maxWindows = 0, greedy = 32;
  bool json = false, decodeSteps = false;
};

int evaluatePerplexity(const EvalOptions &o, bool maxWindowsGiven) {
  Tokenizer tokenizer = o.artifact.loadTokenizer();
  std::vector<std::int32_t> ids = tokenizer.encode(readFileBytes(o.perplexityFile));
  std::unique_ptr<CompiledBackend> backend = o.artifact.openBackend();
  PerplexityOptions options;
  options.window = o.window ? o.window : backend->config().nPositions;
  if (maxWindowsGiven)
    options.maxWindows = o.maxWindows;
  options.decodeSteps = o.decodeSteps;
  PerplexityResult result =
      measurePerplexity(*backend, ids, options, [](std::int64_t done, std::int64_t total) {
        fmt::print(stderr, "\rwindow {}/{}{}", done, total, done == total ? "\n" : "");
      });
  if (o.json) {
    nlohmann::ordered_json json{{"perplexity", result.perplexity},
                                {"mean_nll", result.meanNegativeLogLikelihood},
                                {"tokens_predicted", result.tokensPredicted},
                                {"windows", result.windows},
                                {"window", options.window},
                                {"decode_steps", options.decodeSteps},
                                {"text_tokens", ids.size()},
                                {"seconds", result.seconds},
                                {"backend", backend->describe()}};
    fmt::print("{}\n", json.dump());
  } else {
    fmt::print("perplexity {:.4f} over {} tokens ({} windows of {}) in {:.1f} s [{}]\n",
               result.perplexity, result.tokensPredicted, result.windows, options.window,
               result.seconds, backend->describe());
  }
  return 0;
}

int evaluateComparison(const EvalOptions &o) {
  if (o.promptsFile.empty())
    fail("--compare-to needs --prompts FILE (one prompt per line)");
  Tokenizer tokenizer = o.artifact.loadTokenizer();
  std::vector<std::vector<std::int32_t>> prompts;
  for (const std::string &line : readLines(o.promptsFile))
    prompts.push_back(tokenizer.encode(line));
  if (prompts.empty())
    fail("{}: no prompts (one per line)", o.promptsFile);
  std::unique_ptr<CompiledBackend> candidate = o.artifact.openBackend();
  ArtifactOptions other = o.artifact;
  other.artifact = o.compareTo;
  std::unique_ptr<CompiledBackend> reference = other.openBackend();
  ComparisonSummary summary = compareBackends(*reference, *candidate, prompts, o.greedy);
  if (o.json) {
    fmt::print("{}\n", summary.toJson());
    return 0;
  }
  fmt::print("{} vs {} on {} prompts:\n  logits: max abs diff {:.3g}, mean abs diff {:.3g}\n"
             "  KL(reference || model): mean {:.3g}, max {:.3g}\n  top-1 agreement {:.2f}%\n"
             "  greedy agreement: {:.1f} of {} tokens on average\n",
             candidate->describe(), reference->describe(), prompts.size(), summary.maxAbsDiff,
             summary.meanAbsDiff, summary.meanKlDivergence, summary.maxKlDivergence,
             100.0 * summary.top1Agreement, summary.meanGreedyAgreement, summary.greedyTokens);
  return 0;
}

} // namespace

int runEval(std::span<const std::string> args) {
  EvalOptions o;
  CommandLine command("gpt2c-run eval", "Measure perplexity, or compare with another artifact");
  o.artifact.declare(command);
  command.option("perplexity", "FILE", "text file whose perplexity to measure", o.perplexityFile);
  command.option("window", "N", "tokens per window (default: the artifact's context)", o.window);
  command.option("max-windows", "N", "only the first N windows", o.maxWindows);
  command.flag("decode-steps", "with --perplexity: one token per step through decode",
               o.decodeSteps);
  command.option("compare-to", "OTHER", "reference artifact to compare ARTIFACT against",
                 o.compareTo);
  command.option("prompts", "FILE", "prompts for --compare-to, one per line", o.promptsFile);
  command.option("greedy", "N", "greedy tokens generated per prompt (default 32)", o.greedy);
  command.flag("json", "print the result as JSON", o.json);
  if (!command.parse(args))
    return 0;
  bool perplexity = command.given("perplexity"), comparison = command.given("compare-to");
  if (perplexity == comparison)
    fail("give exactly one of --perplexity FILE and --compare-to OTHER");
  if (o.decodeSteps && !perplexity)
    fail("--decode-steps applies to --perplexity only");
  return perplexity ? evaluatePerplexity(o, command.given("max-windows")) : evaluateComparison(o);
}

} // namespace gpt2c::run
