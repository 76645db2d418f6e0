// gpt2c eval MODEL --perplexity FILE [--window N] [--max-windows N] [--json]
// gpt2c eval MODEL --compare-to OTHER --prompts FILE [--greedy N] [--json]
// Perplexity over a text file, or the comparison of two models/backends on prompts.
#include "Commands.h"
#include "Session.h"

#include "gpt2c/support/InputOutput.h"

#include "gpt2c/runtime/Comparison.h"
#include "gpt2c/runtime/Perplexity.h"
#include "gpt2c/support/Error.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <sstream>

namespace gpt2c::driver {

llvm::cl::SubCommand evalCommand("eval", "Measure perplexity, or compare two models on prompts");

namespace {
using llvm::cl::desc;
using llvm::cl::init;
using llvm::cl::sub;
using llvm::cl::value_desc;

ModelOptions common(evalCommand);
llvm::cl::opt<std::string> perplexityFile("perplexity", desc("Text file whose perplexity to measure"),
                                          value_desc("FILE"), sub(evalCommand));
llvm::cl::opt<int64_t> window("window", desc("Tokens per window (default: n_positions)"), init(0),
                              sub(evalCommand));
llvm::cl::opt<int64_t> maxWindows("max-windows", desc("Only the first N windows"), init(0),
                                  sub(evalCommand));
llvm::cl::opt<std::string> compareTo("compare-to", desc("Reference model to compare MODEL against"),
                                     value_desc("OTHER"), sub(evalCommand));
llvm::cl::opt<std::string> compareBackend("compare-backend",
                                          desc("Executor of the reference (default: interp)"),
                                          init("interp"), sub(evalCommand));
llvm::cl::opt<std::string> promptsFile("prompts", desc("Prompts, one per line"), value_desc("FILE"),
                                       sub(evalCommand));
llvm::cl::opt<int64_t> greedy("greedy", desc("Greedy tokens generated per prompt (default 32)"),
                              init(32), sub(evalCommand));
llvm::cl::opt<bool> json("json", desc("Print the result as JSON"), sub(evalCommand));

int evaluatePerplexity() {
  Tokenizer tokenizer = loadTokenizer(common.tokenizerDir, common.model);
  std::vector<std::int32_t> ids = tokenizer.encode(readFileBytes(perplexityFile));
  std::unique_ptr<Backend> backend = common.openBackend();
  PerplexityOptions options;
  options.window = window ? window.getValue() : backend->config().nPositions;
  if (maxWindows.getNumOccurrences())
    options.maxWindows = maxWindows.getValue();
  PerplexityResult result = measurePerplexity(*backend, ids, options, [](std::int64_t done,
                                                                         std::int64_t total) {
    llvm::errs() << "\rwindow " << done << "/" << total;
    if (done == total)
      llvm::errs() << "\n";
  });
  if (json)
    llvm::outs() << llvm::format(
        "{\"perplexity\": %.9g, \"mean_nll\": %.9g, \"tokens_predicted\": %lld, \"windows\": %lld, "
        "\"window\": %lld, \"text_tokens\": %zu, \"seconds\": %.3f, \"backend\": \"%s\"}\n",
        result.perplexity, result.meanNegativeLogLikelihood, (long long)result.tokensPredicted,
        (long long)result.windows, (long long)options.window, ids.size(), result.seconds,
        backend->describe().c_str());
  else
    llvm::outs() << llvm::format("perplexity %.4f over %lld tokens (%lld windows of %lld) in %.1f s [%s]\n",
                                 result.perplexity, (long long)result.tokensPredicted,
                                 (long long)result.windows, (long long)options.window,
                                 result.seconds, backend->describe().c_str());
  return 0;
}

int evaluateComparison() {
  if (promptsFile.empty())
    fail("--compare-to needs --prompts FILE (one prompt per line)");
  Tokenizer tokenizer = loadTokenizer(common.tokenizerDir, common.model);
  std::vector<std::vector<std::int32_t>> prompts;
  for (const std::string &line : readLines(promptsFile))
    prompts.push_back(tokenizer.encode(line));
  if (prompts.empty())
    fail("{}: no prompts (one per line)", promptsFile.getValue());
  std::unique_ptr<Backend> reference = openBackend(compareTo, compareBackend);
  std::unique_ptr<Backend> candidate = common.openBackend();
  ComparisonSummary summary = compareBackends(*reference, *candidate, prompts, greedy);
  if (json) {
    llvm::outs() << summary.toJson() << "\n";
    return 0;
  }
  llvm::outs() << llvm::format(
      "%s vs %s on %zu prompts:\n  logits: max abs diff %.3g, mean abs diff %.3g\n"
      "  KL(reference || model): mean %.3g, max %.3g\n  top-1 agreement %.2f%%\n"
      "  greedy agreement: %.1f of %lld tokens on average\n",
      candidate->describe().c_str(), reference->describe().c_str(), prompts.size(),
      summary.maxAbsDiff, summary.meanAbsDiff, summary.meanKlDivergence, summary.maxKlDivergence,
      100.0 * summary.top1Agreement, summary.meanGreedyAgreement, (long long)summary.greedyTokens);
  return 0;
}
} // namespace

int runEval() {
  setThreads(common.threads);
  bool perplexity = !perplexityFile.empty(), comparison = !compareTo.empty();
  if (perplexity == comparison)
    fail("give exactly one of --perplexity FILE and --compare-to OTHER");
  return perplexity ? evaluatePerplexity() : evaluateComparison();
}

} // namespace gpt2c::driver
