#include "gpt2c/runtime/Comparison.h"

#include "gpt2c/runtime/LogitMath.h"
#include "gpt2c/support/Error.h"

#include <fmt/format.h>

#include <algorithm>

namespace gpt2c {
namespace {

// Greedy continuation of `prompt` by `backend`, `count` tokens (fewer at the context end).
std::vector<std::int32_t> greedyContinuation(Backend &backend, std::vector<std::int32_t> prompt,
                                             std::int64_t count) {
  std::vector<std::int32_t> produced;
  backend.reset();
  std::vector<float> logits = backend.forward(prompt);
  std::int64_t room = backend.config().nPositions - std::int64_t(prompt.size());
  for (std::int64_t i = 0; i < std::min(count, room + 1); ++i) {
    produced.push_back(std::int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin()));
    if (i + 1 < std::min(count, room + 1))
      logits = backend.forward(std::span(&produced.back(), 1));
  }
  return produced;
}

} // namespace

ComparisonSummary compareBackends(Backend &reference, Backend &candidate,
                                  const std::vector<std::vector<std::int32_t>> &prompts,
                                  std::int64_t greedyTokens) {
  if (reference.config().vocabSize != candidate.config().vocabSize)
    fail("compare: vocabularies differ ({} vs {} tokens)", reference.config().vocabSize,
         candidate.config().vocabSize);
  if (prompts.empty())
    fail("compare: no prompts");
  if (greedyTokens < 0)
    fail("compare: the number of greedy tokens must not be negative");
  const std::size_t vocab = std::size_t(reference.config().vocabSize);

  ComparisonSummary summary;
  summary.greedyTokens = greedyTokens;
  std::int64_t positions = 0, agreeing = 0;
  double sumAbs = 0, sumKl = 0, sumGreedy = 0;
  for (const std::vector<std::int32_t> &prompt : prompts) {
    if (prompt.empty())
      fail("compare: a prompt has no tokens");
    PromptComparison result;
    result.prompt = prompt;
    reference.reset();
    candidate.reset();
    std::vector<float> expected = reference.forward(prompt, /*allPositions=*/true);
    std::vector<float> actual = candidate.forward(prompt, /*allPositions=*/true);
    double promptAbs = 0;
    for (std::size_t t = 0; t < prompt.size(); ++t) {
      LogitComparison row = compareLogits(std::span(expected.data() + t * vocab, vocab),
                                          std::span(actual.data() + t * vocab, vocab));
      result.maxAbsDiff = std::max(result.maxAbsDiff, row.maxAbsDiff);
      promptAbs += row.meanAbsDiff;
      result.meanKlDivergence += row.klDivergence / double(prompt.size());
      result.maxKlDivergence = std::max(result.maxKlDivergence, row.klDivergence);
      result.top1Agrees.push_back(row.top1Agrees());
      agreeing += row.top1Agrees();
      sumKl += row.klDivergence;
    }
    result.meanAbsDiff = promptAbs / double(prompt.size());
    sumAbs += promptAbs;
    positions += std::int64_t(prompt.size());

    if (greedyTokens > 0) {
      auto a = greedyContinuation(reference, prompt, greedyTokens);
      auto b = greedyContinuation(candidate, prompt, greedyTokens);
      auto mismatch = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
      result.greedyAgreement = std::int64_t(mismatch.first - a.begin());
      sumGreedy += double(result.greedyAgreement);
    }
    summary.maxAbsDiff = std::max(summary.maxAbsDiff, result.maxAbsDiff);
    summary.maxKlDivergence = std::max(summary.maxKlDivergence, result.maxKlDivergence);
    summary.prompts.push_back(std::move(result));
  }
  summary.meanAbsDiff = sumAbs / double(positions);
  summary.meanKlDivergence = sumKl / double(positions);
  summary.top1Agreement = double(agreeing) / double(positions);
  summary.meanGreedyAgreement = sumGreedy / double(prompts.size());
  return summary;
}

std::string ComparisonSummary::toJson() const {
  std::string json = fmt::format(
      "{{\"max_abs_diff\": {:.9g}, \"mean_abs_diff\": {:.9g}, \"mean_kl_divergence\": {:.9g}, "
      "\"max_kl_divergence\": {:.9g}, \"top1_agreement\": {:.9g}, \"greedy_tokens\": {}, "
      "\"mean_greedy_agreement\": {:.9g}, \"prompts\": [",
      maxAbsDiff, meanAbsDiff, meanKlDivergence, maxKlDivergence, top1Agreement, greedyTokens,
      meanGreedyAgreement);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const PromptComparison &p = prompts[i];
    std::vector<int> agrees(p.top1Agrees.begin(), p.top1Agrees.end());
    json += fmt::format(
        "{}{{\"prompt_ids\": [{}], \"max_abs_diff\": {:.9g}, \"mean_abs_diff\": {:.9g}, "
        "\"mean_kl_divergence\": {:.9g}, \"max_kl_divergence\": {:.9g}, "
        "\"top1_agrees\": [{}], \"greedy_agreement\": {}}}",
        i ? ", " : "", fmt::join(p.prompt, ", "), p.maxAbsDiff, p.meanAbsDiff, p.meanKlDivergence,
        p.maxKlDivergence, fmt::join(agrees, ", "), p.greedyAgreement);
  }
  return json + "]}";
}

} // namespace gpt2c
