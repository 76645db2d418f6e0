#include "gpt2c/runtime/Generator.h"

#include "gpt2c/support/Error.h"

#include <chrono>

namespace gpt2c {
namespace {

using Clock = std::chrono::steady_clock;

double secondsBetween(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

GenerationTiming timingOf(Clock::time_point start, Clock::time_point firstToken,
                          Clock::time_point end, std::int64_t generated) {
  GenerationTiming timing;
  timing.timeToFirstToken = secondsBetween(start, firstToken);
  timing.total = secondsBetween(start, end);
  if (timing.total > 0.0)
    timing.tokensPerSecond = static_cast<double>(generated) / timing.total;
  const std::int64_t decodeSteps = generated - 1;
  const double decodeTime = secondsBetween(firstToken, end);
  if (decodeSteps > 0 && decodeTime > 0.0) {
    timing.perOutputToken = decodeTime / static_cast<double>(decodeSteps);
    timing.decodeTokensPerSecond = static_cast<double>(decodeSteps) / decodeTime;
  }
  return timing;
}

} // namespace

std::string_view stopReasonName(StopReason reason) {
  switch (reason) {
  case StopReason::MaxTokens:
    return "max-tokens";
  case StopReason::EndOfText:
    return "end-of-text";
  case StopReason::StopString:
    return "stop-string";
  case StopReason::ContextLimit:
    return "context-limit";
  }
  return "unknown";
}

Generator::Generator(Backend &backend, TokenText tokenText)
    : backend_(backend), tokenText_(std::move(tokenText)) {
  if (!tokenText_)
    fail("generate: no token-to-text function was given");
}

void Generator::validate(std::span<const std::int32_t> prompt,
                         const GenerationOptions &options) const {
  const ModelConfig &config = backend_.config();
  const std::int64_t promptLength = static_cast<std::int64_t>(prompt.size());
  if (prompt.empty())
    fail("generate: the prompt is empty (start it with <|endoftext|>, token {}, for an "
         "unconditional sample)",
         kGpt2EndOfTextToken);
  if (promptLength >= config.nPositions)
    fail("generate: the prompt has {} tokens but the context holds {}, leaving no room for "
         "a new token",
         promptLength, config.nPositions);
  for (std::size_t position = 0; position < prompt.size(); ++position)
    if (prompt[position] < 0 || prompt[position] >= config.vocabSize)
      fail("generate: prompt token {} at position {} is outside the vocabulary of {} tokens",
           prompt[position], position, config.vocabSize);
  if (options.maxNewTokens < 1)
    fail("generate: max new tokens = {} must be at least 1", options.maxNewTokens);
  if (options.endOfTextToken &&
      (*options.endOfTextToken < 0 || *options.endOfTextToken >= config.vocabSize))
    fail("generate: the end-of-text token {} is outside the vocabulary of {} tokens",
         *options.endOfTextToken, config.vocabSize);
  options.sampling.validate();
}

std::span<const float> Generator::checkedLogits(const std::vector<float> &logits) const {
  const std::int64_t vocabSize = backend_.config().vocabSize;
  if (static_cast<std::int64_t>(logits.size()) != vocabSize)
    fail("generate: the backend returned {} logits for a vocabulary of {} tokens", logits.size(),
         vocabSize);
  return logits;
}

GenerationResult Generator::generate(std::span<const std::int32_t> prompt,
                                     const GenerationOptions &options,
                                     const TextCallback &onText) {
  const Clock::time_point start = Clock::now();
  validate(prompt, options);
  TextStream stream(options.stopStrings, onText);
  Sampler sampler(options.sampling);
  const std::int64_t contextSize = backend_.config().nPositions;

  GenerationResult result;
  result.promptTokens = static_cast<std::int64_t>(prompt.size());
  // Prompt and generated tokens: the repetition penalty's context.
  std::vector<std::int32_t> sequence(prompt.begin(), prompt.end());

  backend_.reset();
  std::vector<float> logits = backend_.forward(prompt);
  Clock::time_point firstToken;
  while (true) {
    const std::int32_t token = sampler.sample(checkedLogits(logits), sequence);
    if (result.tokens.empty())
      firstToken = Clock::now();
    result.tokens.push_back(token);
    sequence.push_back(token);
    const auto generated = static_cast<std::int64_t>(result.tokens.size());

    if (options.endOfTextToken == token) {
      result.stopReason = StopReason::EndOfText;
      break;
    }
    if (stream.append(tokenText_(token))) {
      result.stopReason = StopReason::StopString;
      result.stopStringIndex = stream.stopIndex();
      break;
    }
    if (generated == options.maxNewTokens) {
      result.stopReason = StopReason::MaxTokens;
      break;
    }
    if (static_cast<std::int64_t>(sequence.size()) == contextSize) {
      result.stopReason = StopReason::ContextLimit;
      break;
    }
    const std::int32_t feed[] = {token};
    logits = backend_.forward(feed);
  }
  stream.finish();

  result.text = stream.text();
  result.generatedTokens = static_cast<std::int64_t>(result.tokens.size());
  result.timing = timingOf(start, firstToken, Clock::now(), result.generatedTokens);
  return result;
}

} // namespace gpt2c
