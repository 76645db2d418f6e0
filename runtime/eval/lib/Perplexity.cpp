#include "gpt2c/runtime/Perplexity.h"

#include "gpt2c/runtime/LogitMath.h"
#include "gpt2c/support/Error.h"

#include <chrono>
#include <cmath>

namespace gpt2c {

PerplexityResult measurePerplexity(Backend &backend, std::span<const std::int32_t> ids,
                                   const PerplexityOptions &options,
                                   const PerplexityProgress &progress) {
  const std::int64_t window = options.window;
  if (window < 1 || window > backend.config().nPositions)
    fail("perplexity: window {} is out of range (1 to n_positions = {})", window,
         backend.config().nPositions);
  if (ids.size() < 2)
    fail("perplexity: the text has {} token(s); at least 2 are needed", ids.size());
  if (options.maxWindows && *options.maxWindows < 1)
    fail("perplexity: --max-windows must be at least 1");

  const std::int64_t predictable = std::int64_t(ids.size()) - 1;
  std::int64_t total = (predictable + window - 1) / window;
  if (options.maxWindows)
    total = std::min(total, *options.maxWindows);
  const std::size_t vocab = std::size_t(backend.config().vocabSize);

  auto start = std::chrono::steady_clock::now();
  double sumLogProbability = 0;
  std::int64_t predicted = 0;
  for (std::int64_t w = 0; w < total; ++w) {
    std::int64_t begin = w * window, length = std::min(window, predictable - begin);
    backend.reset();
    if (options.decodeSteps) {
      for (std::int64_t t = 0; t < length; ++t) {
        std::vector<float> logits = backend.forward(ids.subspan(begin + t, 1));
        sumLogProbability += logProbability(std::span(logits.data(), vocab), ids[begin + t + 1]);
      }
    } else {
      std::vector<float> logits =
          backend.forward(ids.subspan(begin, length), /*allPositions=*/true);
      for (std::int64_t t = 0; t < length; ++t)
        sumLogProbability +=
            logProbability(std::span(logits.data() + t * vocab, vocab), ids[begin + t + 1]);
    }
    predicted += length;
    if (progress)
      progress(w + 1, total);
  }
  PerplexityResult result;
  result.tokensPredicted = predicted;
  result.windows = total;
  result.meanNegativeLogLikelihood = -sumLogProbability / double(predicted);
  result.perplexity = std::exp(result.meanNegativeLogLikelihood);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

} // namespace gpt2c
