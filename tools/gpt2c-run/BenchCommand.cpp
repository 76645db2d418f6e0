// gpt2c-run bench ARTIFACT [--prompt-tokens N] [--decode-tokens N] [--runs R] [--json]
// Times a prefill of N tokens and D greedy decode steps, R times after warm-up
// runs, and reports the median and the best of each figure:
//  - prefill: forward() of the N prompt tokens;
//  - time to first token: prefill plus choosing the token (greedy argmax);
//  - decode: per token, forward() of one token plus its argmax, and tokens/s.
// Prompt ids are pseudo-random (seeded, so runs and machines see the same ones).
// forward() returns when the logits are in host memory, on the GPU executor too,
// so each figure is a whole step.
#include "ArtifactOptions.h"
#include "Commands.h"

#include "gpt2c/runtime/Random.h"
#include "gpt2c/runtime/Sampler.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/ThreadPool.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace gpt2c::run {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct RunTimes {
  double prefill = 0, firstToken = 0, decodePerToken = 0;
};

struct Figure {
  double median = 0, best = 0;
};

// Median and best (lowest, or highest when `higherIsBetter`) of one figure over the runs.
Figure summarize(std::vector<double> values, bool higherIsBetter = false) {
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {median, higherIsBetter ? values.back() : values.front()};
}

RunTimes timeOneRun(CompiledBackend &backend, const std::vector<std::int32_t> &prompt,
                    std::int64_t decodeTokens) {
  RunTimes times;
  backend.reset();
  Clock::time_point start = Clock::now();
  std::vector<float> logits = backend.forward(prompt);
  times.prefill = secondsSince(start);
  std::int32_t token = greedyToken(logits);
  times.firstToken = secondsSince(start);
  if (decodeTokens > 0) {
    Clock::time_point decodeStart = Clock::now();
    for (std::int64_t i = 0; i < decodeTokens; ++i) {
      logits = backend.forward(std::span(&token, 1));
      token = greedyToken(logits);
    }
    times.decodePerToken = secondsSince(decodeStart) / double(decodeTokens);
  }
  return times;
}

} // namespace

int runBench(std::span<const std::string> args) {
  ArtifactOptions artifact;
  std::int64_t promptTokens = 128, decodeTokens = 64, runs = 5, warmup = 1;
  bool json = false;
  CommandLine command("gpt2c-run bench", "Time prefill and decode");
  artifact.declare(command);
  command.option("prompt-tokens", "N", "prompt length (default 128, at most the context)",
                 promptTokens);
  command.option("decode-tokens", "N", "decode steps after the prompt (default 64)", decodeTokens);
  command.option("runs", "R", "timed runs (default 5)", runs);
  command.option("warmup", "W", "untimed runs first (default 1)", warmup);
  command.flag("json", "print the result as JSON", json);
  if (!command.parse(args))
    return 0;
  if (runs < 1 || warmup < 0 || decodeTokens < 0)
    fail("--runs must be at least 1, --warmup and --decode-tokens at least 0");

  std::unique_ptr<CompiledBackend> backend = artifact.openBackend();
  const std::int64_t context = backend->config().nPositions;
  // Defaults shrink to fit a small context; lengths given explicitly must fit.
  if (!command.given("decode-tokens"))
    decodeTokens = std::min(decodeTokens, context / 2);
  if (!command.given("prompt-tokens"))
    promptTokens = std::min(promptTokens, context - decodeTokens);
  if (promptTokens < 1 || promptTokens + decodeTokens > context)
    fail("{} prompt tokens and {} decode tokens do not fit in the {} positions of artifact {} "
         "(and the prompt needs at least 1)",
         promptTokens, decodeTokens, context, artifact.artifact);

  Xoshiro256StarStar random(2024);
  std::vector<std::int32_t> prompt(static_cast<std::size_t>(promptTokens));
  for (std::int32_t &id : prompt)
    id = std::int32_t(random.next() % std::uint64_t(backend->config().vocabSize));
  for (std::int64_t i = 0; i < warmup; ++i)
    timeOneRun(*backend, prompt, decodeTokens);
  std::vector<double> prefill, firstToken, decode, decodeRate, prefillRate;
  for (std::int64_t i = 0; i < runs; ++i) {
    RunTimes times = timeOneRun(*backend, prompt, decodeTokens);
    prefill.push_back(times.prefill * 1e3);
    prefillRate.push_back(double(promptTokens) / times.prefill);
    firstToken.push_back(times.firstToken * 1e3);
    if (decodeTokens > 0) {
      decode.push_back(times.decodePerToken * 1e3);
      decodeRate.push_back(1.0 / times.decodePerToken);
    }
  }
  // The thread pool runs the CPU executor's kernels; a GPU artifact uses none.
  bool onGpu = backend->artifact().manifest().target.isGpu();
  unsigned threads = onGpu ? 0 : ThreadPool::global().size();

  Figure prefillMs = summarize(prefill), prefillPerSecond = summarize(prefillRate, true),
         firstTokenMs = summarize(firstToken);
  Figure decodeMs = decode.empty() ? Figure{} : summarize(decode);
  Figure decodePerSecond = decodeRate.empty() ? Figure{} : summarize(decodeRate, true);
  if (json) {
    auto figure = [](const Figure &f) {
      return nlohmann::ordered_json{{"median", f.median}, {"best", f.best}};
    };
    nlohmann::ordered_json result{{"backend", backend->describe()},
                                  {"threads", threads},
                                  {"prompt_tokens", promptTokens},
                                  {"decode_tokens", decodeTokens},
                                  {"runs", runs},
                                  {"prefill_ms", figure(prefillMs)},
                                  {"prefill_tokens_per_s", figure(prefillPerSecond)},
                                  {"time_to_first_token_ms", figure(firstTokenMs)},
                                  {"decode_ms_per_token", figure(decodeMs)},
                                  {"decode_tokens_per_s", figure(decodePerSecond)}};
    fmt::print("{}\n", result.dump());
    return 0;
  }
  fmt::print("{}{}: {} prompt tokens, {} decode tokens, median (best) of {} runs\n",
             backend->describe(), onGpu ? "" : fmt::format(", {} threads", threads), promptTokens,
             decodeTokens, runs);
  fmt::print("  prefill             {:10.3f} ms ({:.3f})  {:10.1f} tokens/s ({:.1f})\n",
             prefillMs.median, prefillMs.best, prefillPerSecond.median, prefillPerSecond.best);
  fmt::print("  time to first token {:10.3f} ms ({:.3f})\n", firstTokenMs.median,
             firstTokenMs.best);
  if (decodeTokens > 0)
    fmt::print("  decode              {:10.3f} ms/token ({:.3f})  {:10.1f} tokens/s ({:.1f})\n",
               decodeMs.median, decodeMs.best, decodePerSecond.median, decodePerSecond.best);
  return 0;
}

} // namespace gpt2c::run
