// Exactness against the references in ../shared/golden, made with Hugging Face
// `tokenizers` and `tiktoken`.
#include "TokenizerTestSupport.h"

#include "gpt2c/support/Sha256.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace gpt2c::test {
namespace {

// The first index where two id sequences differ, for a readable failure on 286k ids.
std::size_t firstDifference(const std::vector<std::int32_t> &a,
                            const std::vector<std::int32_t> &b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i])
    ++i;
  return i;
}

TEST(TokenizerGolden, EveryCaseEncodesExactly) {
  const auto cases = goldenCases();
  ASSERT_GE(cases.size(), 12u);
  for (const GoldenCase &golden : cases)
    EXPECT_EQ(gpt2Tokenizer().encode(golden.text), golden.ids) << "text: \"" << golden.text << '"';
}

TEST(TokenizerGolden, EveryCaseDecodesExactly) {
  for (const GoldenCase &golden : goldenCases())
    EXPECT_EQ(gpt2Tokenizer().decode(golden.ids), golden.text);
}

TEST(TokenizerGolden, ReferenceFileMatchesItsRecordedHashAndCount) {
  auto json = nlohmann::json::parse(readFile(sharedDir() / "golden" / "tokenizer-golden.json"));
  std::string bytes = readFile(sharedDir() / "golden" / "tokenizer-wikitext2-test.u16");
  EXPECT_EQ(sha256Hex({reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size()}),
            json.at("wikitext2_test_sha256_u16").get<std::string>());
  EXPECT_EQ(wikiText2GoldenIds().size(), json.at("wikitext2_test_tokens").get<std::size_t>());
}

TEST(TokenizerGolden, WikiText2TestFileEncodesExactly) {
  const std::string text = wikiText2Bytes();
  ASSERT_EQ(text.size(), 1290547u) << "the file must be read as bytes, CRLF kept";
  const std::vector<std::int32_t> expected = wikiText2GoldenIds();
  const std::vector<std::int32_t> ids = gpt2Tokenizer().encode(text);
  ASSERT_EQ(ids.size(), expected.size());
  const std::size_t at = firstDifference(ids, expected);
  EXPECT_EQ(at, ids.size()) << "first difference at token " << at << ": " << ids[at]
                            << " instead of " << expected[at];
}

TEST(TokenizerGolden, WikiText2GoldenIdsDecodeToTheFile) {
  EXPECT_TRUE(gpt2Tokenizer().decode(wikiText2GoldenIds()) == wikiText2Bytes());
}

TEST(TokenizerGolden, ConcurrentCallersGetExactIds) {
  // Two callers at once: one holds the word cache, the other encodes without it.
  const std::string text = wikiText2Bytes();
  const std::vector<std::int32_t> expected = wikiText2GoldenIds();
  std::vector<std::int32_t> first, second;
  std::thread other([&] { first = gpt2Tokenizer().encode(text); });
  second = gpt2Tokenizer().encode(text);
  other.join();
  EXPECT_EQ(firstDifference(first, expected), expected.size());
  EXPECT_EQ(firstDifference(second, expected), expected.size());
}

TEST(TokenizerGolden, MiniPydocsModelShipsTheSameTokenizer) {
  const Tokenizer tokenizer =
      Tokenizer::fromDirectory(sharedDir() / "models" / "gpt2-mini-pydocs");
  EXPECT_EQ(tokenizer.vocabSize(), 50257);
  for (const GoldenCase &golden : goldenCases())
    EXPECT_EQ(tokenizer.encode(golden.text), golden.ids) << "text: \"" << golden.text << '"';
}

} // namespace
} // namespace gpt2c::test
