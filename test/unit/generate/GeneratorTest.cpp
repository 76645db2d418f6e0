// The generation loop over a fake backend: forward-call pattern, stop conditions,
// streaming, seeds, timing and input validation.
#include "FakeBackend.h"

#include "gpt2c/runtime/Generator.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>

#include <map>

namespace gpt2c {
namespace {

using test::FakeBackend;
using test::favouring;
using test::ForwardCall;

// Each token favours its successor: after t, greedy decoding picks (t + 1) mod V.
FakeBackend successorBackend(std::int64_t vocabSize, std::int64_t contextSize) {
  return FakeBackend(vocabSize, contextSize, [vocabSize](const std::vector<std::int32_t> &sequence) {
    return favouring(vocabSize, static_cast<std::int32_t>((sequence.back() + 1) % vocabSize));
  });
}

// Plays `script` after a prompt of `promptLength` tokens, whatever was fed.
FakeBackend scriptedBackend(std::int64_t vocabSize, std::size_t promptLength,
                            std::vector<std::int32_t> script) {
  return FakeBackend(vocabSize, 1024, [=](const std::vector<std::int32_t> &sequence) {
    return favouring(vocabSize, script.at(sequence.size() - promptLength));
  });
}

// "t0", "t1", ...: one distinct piece of text per token.
std::string numberedText(std::int32_t token) { return "t" + std::to_string(token); }

TokenText tableText(std::map<std::int32_t, std::string> table) {
  return [table = std::move(table)](std::int32_t token) { return table.at(token); };
}

// Greedy, and no end-of-text token: the small fake vocabularies lack GPT-2's.
GenerationOptions greedyOptions(std::int64_t maxNewTokens) {
  GenerationOptions options;
  options.maxNewTokens = maxNewTokens;
  options.endOfTextToken = std::nullopt;
  options.sampling.temperature = 0.0;
  return options;
}

// Whether `text` is well-formed UTF-8 (no stray, missing or overlong-length bytes).
bool isValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80 ? 1 : lead >= 0xC2 && lead < 0xE0 ? 2
                                       : lead >= 0xE0 && lead < 0xF0 ? 3
                                       : lead >= 0xF0 && lead < 0xF5 ? 4
                                                                     : 0;
    if (length == 0 || i + length > text.size())
      return false;
    for (std::size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80)
        return false;
    i += length;
  }
  return true;
}

TEST(Generator, PrefillsThePromptThenFeedsOneTokenPerStep) {
  FakeBackend backend = successorBackend(16, 64);
  Generator generator(backend, numberedText);
  const std::int32_t prompt[] = {3, 4};
  GenerationResult result = generator.generate(prompt, greedyOptions(5));

  EXPECT_EQ(result.tokens, (std::vector<std::int32_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(result.text, "t5t6t7t8t9");
  EXPECT_EQ(result.stopReason, StopReason::MaxTokens);
  EXPECT_EQ(result.promptTokens, 2);
  EXPECT_EQ(result.generatedTokens, 5);
  // The last token is never fed: nothing is sampled after it.
  EXPECT_EQ(backend.calls(), (std::vector<ForwardCall>{
                                 {0, {3, 4}}, {2, {5}}, {3, {6}}, {4, {7}}, {5, {8}}}));
  EXPECT_EQ(backend.pastLength(), 6);
}

TEST(Generator, EachGenerationStartsANewSequence) {
  FakeBackend backend = successorBackend(16, 64);
  Generator generator(backend, numberedText);
  const std::int32_t prompt[] = {1};
  generator.generate(prompt, greedyOptions(3));
  GenerationResult second = generator.generate(prompt, greedyOptions(3));
  EXPECT_EQ(second.tokens, (std::vector<std::int32_t>{2, 3, 4}));
  ASSERT_EQ(backend.calls().size(), 6u);
  EXPECT_EQ(backend.calls()[3], (ForwardCall{0, {1}}));
}

TEST(Generator, StopsAtTheEndOfTextTokenWithoutEmittingIt) {
  FakeBackend backend = successorBackend(8, 64);
  Generator generator(backend, numberedText);
  GenerationOptions options = greedyOptions(100);
  options.endOfTextToken = 7;
  const std::int32_t prompt[] = {4};
  GenerationResult result = generator.generate(prompt, options);
  EXPECT_EQ(result.tokens, (std::vector<std::int32_t>{5, 6, 7}));
  EXPECT_EQ(result.text, "t5t6");
  EXPECT_EQ(result.stopReason, StopReason::EndOfText);
  EXPECT_EQ(backend.calls().size(), 3u);
}

TEST(Generator, TheDefaultEndOfTextTokenIsGpt2s) {
  FakeBackend backend = successorBackend(50257, 64);
  Generator generator(backend, [](std::int32_t token) {
    return token == 50256 ? std::string("<|endoftext|>") : numberedText(token);
  });
  const std::int32_t prompt[] = {50253};
  GenerationOptions options; // default end-of-text token
  options.sampling.temperature = 0.0;
  GenerationResult result = generator.generate(prompt, options);
  EXPECT_EQ(result.tokens, (std::vector<std::int32_t>{50254, 50255, 50256}));
  EXPECT_EQ(result.text, "t50254t50255");
  EXPECT_EQ(result.stopReason, StopReason::EndOfText);
}

TEST(Generator, StopsAtAStopStringSpanningTwoTokensAndExcludesIt) {
  FakeBackend backend = scriptedBackend(8, 1, {0, 1, 2, 3, 4, 5});
  Generator generator(backend,
                      tableText({{0, "Hello"}, {1, " there"}, {2, "\n"}, {3, "Q: next"}, {4, "!"}}));
  GenerationOptions options = greedyOptions(100);
  options.stopStrings = {"never", "\nQ:"};
  std::vector<std::string> pieces;
  const std::int32_t prompt[] = {7};
  GenerationResult result = generator.generate(
      prompt, options, [&](std::string_view piece) { pieces.emplace_back(piece); });

  EXPECT_EQ(result.stopReason, StopReason::StopString);
  EXPECT_EQ(result.stopStringIndex, 1u);
  EXPECT_EQ(result.text, "Hello there");
  EXPECT_EQ(result.tokens, (std::vector<std::int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(pieces, (std::vector<std::string>{"Hello", " there"}));
  EXPECT_EQ(backend.calls().size(), 4u);
}

TEST(Generator, StopsAtTheContextLimit) {
  FakeBackend backend = successorBackend(16, 6);
  Generator generator(backend, numberedText);
  const std::int32_t prompt[] = {0, 1, 2, 3};
  GenerationResult result = generator.generate(prompt, greedyOptions(10));
  EXPECT_EQ(result.tokens, (std::vector<std::int32_t>{4, 5}));
  EXPECT_EQ(result.stopReason, StopReason::ContextLimit);
  EXPECT_EQ(backend.calls(), (std::vector<ForwardCall>{{0, {0, 1, 2, 3}}, {4, {4}}}));

  // Asking for exactly the room left reaches the requested count first.
  EXPECT_EQ(generator.generate(prompt, greedyOptions(2)).stopReason, StopReason::MaxTokens);
  // A prompt one short of the context still gets its one token.
  const std::int32_t longPrompt[] = {0, 1, 2, 3, 4};
  GenerationResult last = generator.generate(longPrompt, greedyOptions(10));
  EXPECT_EQ(last.tokens, (std::vector<std::int32_t>{5}));
  EXPECT_EQ(last.stopReason, StopReason::ContextLimit);
}

TEST(Generator, StreamsOnlyCompleteUtf8Characters) {
  // é (C3 A9), € (E2 82 AC) and 😀 (F0 9F 98 80), each split across tokens.
  FakeBackend backend = scriptedBackend(16, 1, {4, 0, 1, 2, 3, 5, 6, 7, 4, 0});
  Generator generator(backend, tableText({{0, "\xC3"},
                                          {1, "\xA9"},
                                          {2, "\xE2\x82"},
                                          {3, "\xAC"},
                                          {4, "a"},
                                          {5, "\xF0"},
                                          {6, "\x9F\x98"},
                                          {7, "\x80"}}));
  std::vector<std::string> pieces;
  const std::int32_t prompt[] = {15};
  GenerationResult result = generator.generate(
      prompt, greedyOptions(9), [&](std::string_view piece) { pieces.emplace_back(piece); });
  std::string joined;
  for (const std::string &piece : pieces) {
    EXPECT_TRUE(isValidUtf8(piece)) << "partial character in a streamed piece";
    joined += piece;
  }
  EXPECT_EQ(joined, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "a");
  EXPECT_EQ(result.text, joined);

  // Generation ending inside a character flushes the unfinished bytes last.
  pieces.clear();
  result = generator.generate(prompt, greedyOptions(10),
                              [&](std::string_view piece) { pieces.emplace_back(piece); });
  EXPECT_EQ(pieces.back(), "\xC3");
  EXPECT_EQ(result.text, joined + "\xC3");
}

TEST(Generator, SeedsReproduceSamplingAndDifferentSeedsDiffer) {
  FakeBackend backend(32, 128, [](const std::vector<std::int32_t> &) {
    return std::vector<float>(32, 0.0f); // flat: every token equally likely
  });
  Generator generator(backend, numberedText);
  auto run = [&](std::uint64_t seed) {
    GenerationOptions options;
    options.maxNewTokens = 30;
    options.endOfTextToken = std::nullopt;
    options.sampling.topK = 0;
    options.sampling.seed = seed;
    const std::int32_t prompt[] = {0};
    return generator.generate(prompt, options).tokens;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8)); // equal with probability 32^-30
}

TEST(Generator, RepetitionPenaltySeesThePromptAndTheGeneratedTokens) {
  // Token 1 scores 2.0, token 2 scores 1.5, the rest 0.
  FakeBackend backend(4, 64, [](const std::vector<std::int32_t> &) {
    return std::vector<float>{0.0f, 2.0f, 1.5f, 0.0f};
  });
  Generator generator(backend, numberedText);
  const std::int32_t prompt[] = {1};
  GenerationOptions options = greedyOptions(3);
  EXPECT_EQ(generator.generate(prompt, options).tokens, (std::vector<std::int32_t>{1, 1, 1}));
  // With penalty 4: token 1 (in the prompt) scores 0.5, so 2 wins; once 2 is in
  // the context it scores 0.375 and 1 wins again.
  options.sampling.repetitionPenalty = 4.0;
  EXPECT_EQ(generator.generate(prompt, options).tokens, (std::vector<std::int32_t>{2, 1, 1}));
}

TEST(Generator, ReportsTiming) {
  FakeBackend backend = successorBackend(16, 64);
  backend.prefillDelay = std::chrono::milliseconds(30);
  backend.decodeDelay = std::chrono::milliseconds(5);
  Generator generator(backend, numberedText);
  const std::int32_t prompt[] = {0, 1, 2};
  GenerationResult result = generator.generate(prompt, greedyOptions(4));
  const GenerationTiming &timing = result.timing;
  EXPECT_GE(timing.timeToFirstToken, 0.030);
  EXPECT_LT(timing.timeToFirstToken, timing.total);
  EXPECT_GE(timing.perOutputToken, 0.005);
  EXPECT_GE(timing.total, 0.030 + 3 * 0.005);
  EXPECT_NEAR(timing.tokensPerSecond, 4 / timing.total, 1e-9);
  EXPECT_NEAR(timing.decodeTokensPerSecond, 1 / timing.perOutputToken, 1e-9);
  EXPECT_NEAR(timing.timeToFirstToken + 3 * timing.perOutputToken, timing.total, 1e-9);

  // A single token has no decode step.
  GenerationResult single = generator.generate(prompt, greedyOptions(1));
  EXPECT_EQ(single.timing.perOutputToken, 0.0);
  EXPECT_EQ(single.timing.decodeTokensPerSecond, 0.0);
}

TEST(Generator, StopReasonsHaveNames) {
  EXPECT_EQ(stopReasonName(StopReason::MaxTokens), "max-tokens");
  EXPECT_EQ(stopReasonName(StopReason::EndOfText), "end-of-text");
  EXPECT_EQ(stopReasonName(StopReason::StopString), "stop-string");
  EXPECT_EQ(stopReasonName(StopReason::ContextLimit), "context-limit");
}

// The message generate() throws, checking that the backend was not touched.
std::string generationError(std::vector<std::int32_t> prompt, const GenerationOptions &options) {
  FakeBackend backend = successorBackend(16, 8);
  Generator generator(backend, numberedText);
  try {
    generator.generate(prompt, options);
  } catch (const Error &error) {
    EXPECT_TRUE(backend.calls().empty()) << "forward() ran before validation failed";
    return error.what();
  }
  return "";
}

TEST(Generator, InvalidInputsAreRefusedBeforeRunningTheModel) {
  const GenerationOptions fine = greedyOptions(4);
  auto contains = [](const std::string &message, const std::string &part) {
    return message.find(part) != std::string::npos;
  };
  EXPECT_EQ(generationError({1}, fine), "");
  EXPECT_TRUE(contains(generationError({}, fine), "the prompt is empty"));
  EXPECT_TRUE(contains(generationError(std::vector<std::int32_t>(8, 1), fine),
                       "the prompt has 8 tokens but the context holds 8"));
  EXPECT_TRUE(contains(generationError(std::vector<std::int32_t>(9, 1), fine),
                       "the prompt has 9 tokens"));
  EXPECT_TRUE(contains(generationError({1, 16}, fine),
                       "prompt token 16 at position 1 is outside the vocabulary of 16"));
  EXPECT_TRUE(contains(generationError({-1}, fine), "prompt token -1 at position 0"));
  EXPECT_TRUE(contains(generationError({1}, greedyOptions(0)), "max new tokens = 0"));
  EXPECT_TRUE(contains(generationError({1}, greedyOptions(-3)), "max new tokens = -3"));

  GenerationOptions options = fine;
  options.endOfTextToken = 50256; // the GPT-2 default, outside this small vocabulary
  EXPECT_TRUE(contains(generationError({1}, options), "end-of-text token 50256 is outside"));
  options = fine;
  options.sampling.topP = 0.0;
  EXPECT_TRUE(contains(generationError({1}, options), "top-p = 0"));
  options = fine;
  options.stopStrings = {""};
  EXPECT_TRUE(contains(generationError({1}, options), "stop string 0 is empty"));
}

TEST(Generator, BackendFaultsBecomeClearErrors) {
  FakeBackend shortRows(16, 64, [](const std::vector<std::int32_t> &) {
    return std::vector<float>(15, 0.0f);
  });
  const std::int32_t prompt[] = {1};
  EXPECT_THROW(
      {
        try {
          Generator(shortRows, numberedText).generate(prompt, greedyOptions(2));
        } catch (const Error &error) {
          EXPECT_STREQ(error.what(),
                       "generate: the backend returned 15 logits for a vocabulary of 16 tokens");
          throw;
        }
      },
      Error);

  FakeBackend nanRows(4, 64, [](const std::vector<std::int32_t> &) {
    return std::vector<float>{0.0f, std::nanf(""), 0.0f, 0.0f};
  });
  EXPECT_THROW(Generator(nanRows, numberedText).generate(prompt, greedyOptions(2)), Error);
  EXPECT_THROW(Generator(nanRows, TokenText{}), Error);
}

} // namespace
} // namespace gpt2c
