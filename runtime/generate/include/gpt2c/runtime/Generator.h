#pragma once
// The text generation loop over any Backend:
//   reset -> forward(prompt) (prefill) -> sample -> forward({token}) -> sample -> ...
// Each sampled token is fed back only when another one will be sampled, so n
// generated tokens take exactly n forward calls: the prefill and n - 1 decode steps
// of one token each, reusing the backend's KV cache.
//
// Generation stops at the first of, checked in this order after every token:
//  - EndOfText: the end-of-text token was sampled. It is in `tokens` but adds no text.
//  - StopString: the text generated so far contains a stop string. `text` ends just
//    before its first occurrence; the token completing it is in `tokens`.
//  - MaxTokens: maxNewTokens tokens were generated.
//  - ContextLimit: prompt and generated tokens fill the context (n_positions); the
//    sequence never grows past it, so at most n_positions - prompt length tokens.
//
// Only generated text is emitted, never the prompt's. It streams through the
// callback as described in TextStream.h: complete UTF-8 sequences only, and
// nothing that could still turn out to be the start of a stop string.
#include "gpt2c/runtime/Backend.h"
#include "gpt2c/runtime/Sampler.h"
#include "gpt2c/runtime/TextStream.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c {

// The bytes a token stands for (GPT-2 tokens are byte sequences, not always whole
// UTF-8 characters). The tokenizer provides it; tests provide tables.
using TokenText = std::function<std::string(std::int32_t)>;

inline constexpr std::int32_t kGpt2EndOfTextToken = 50256;

struct GenerationOptions {
  // At least 1; larger values are fine, the context limit caps them.
  std::int64_t maxNewTokens = 64;
  // Sampling it ends generation; std::nullopt never stops on a token.
  std::optional<std::int32_t> endOfTextToken = kGpt2EndOfTextToken;
  std::vector<std::string> stopStrings; // non-empty strings
  SamplingOptions sampling;
};

enum class StopReason { MaxTokens, EndOfText, StopString, ContextLimit };
// "max-tokens", "end-of-text", "stop-string", "context-limit".
std::string_view stopReasonName(StopReason reason);

// Wall-clock times from std::chrono::steady_clock, in seconds. They include the
// text callback, which runs inside the loop.
struct GenerationTiming {
  // From the start of generate() to the first sampled token: prefill and one sample.
  double timeToFirstToken = 0.0;
  // Mean time of a decode step (one-token forward and sample); 0 without any.
  double perOutputToken = 0.0;
  // From the start of generate() to its end.
  double total = 0.0;
  // Generated tokens over `total`, and decode steps over their time (0 without any).
  double tokensPerSecond = 0.0;
  double decodeTokensPerSecond = 0.0;
};

struct GenerationResult {
  std::vector<std::int32_t> tokens; // every sampled token, a final end-of-text included
  std::string text;                 // the emitted text, as streamed
  StopReason stopReason = StopReason::MaxTokens;
  std::optional<std::size_t> stopStringIndex; // with StopReason::StopString
  std::int64_t promptTokens = 0;
  std::int64_t generatedTokens = 0; // tokens.size()
  GenerationTiming timing;
};

class Generator {
public:
  using TextCallback = TextStream::Callback;

  // Keeps a reference to `backend`, which must outlive the generator.
  Generator(Backend &backend, TokenText tokenText);

  // Generates a continuation of `prompt`, starting a new sequence (backend.reset()).
  // The prompt must hold at least one token (callers wanting an unconditional
  // sample pass {kGpt2EndOfTextToken}) and leave room for one more in the context.
  // Throws gpt2c::Error on invalid input; backend and tokenizer errors propagate.
  GenerationResult generate(std::span<const std::int32_t> prompt,
                            const GenerationOptions &options,
                            const TextCallback &onText = {});

private:
  void validate(std::span<const std::int32_t> prompt, const GenerationOptions &options) const;
  std::span<const float> checkedLogits(const std::vector<float> &logits) const;

  Backend &backend_;
  TokenText tokenText_;
};

} // namespace gpt2c
