// Merge semantics on a vocabulary small enough to work out by hand (SyntheticFiles.h).
#include "SyntheticFiles.h"

#include "gpt2c/support/Error.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>

namespace gpt2c::test {
namespace {

using Ids = std::vector<std::int32_t>;
constexpr std::int32_t kA = 'a', kB = 'b', kSpace = ' ';
constexpr std::int32_t kAA = 256, kBC = 257, kAAA = 258, kSpaceA = 259, kEndOfText = 260;

class TokenizerSmallVocabulary : public ::testing::Test {
protected:
  void SetUp() override { writeSmallTokenizer(dir_); }
  Tokenizer load() const { return Tokenizer::fromDirectory(dir_.path()); }
  ScratchDir dir_;
};

TEST_F(TokenizerSmallVocabulary, LowestRankMergesFirstAndTiesGoLeftmost) {
  const Tokenizer tokenizer = load();
  EXPECT_EQ(tokenizer.encode("aaa"), (Ids{kAAA}));      // a a, then aa a
  EXPECT_EQ(tokenizer.encode("aaaa"), (Ids{kAA, kAA})); // a a twice; aa aa has no merge
  EXPECT_EQ(tokenizer.encode("abc"), (Ids{kA, kBC}));
  // " aa": "a a" (rank 0) wins over "Ġ a" (rank 3), and "Ġ aa" has no merge.
  EXPECT_EQ(tokenizer.encode(" aa"), (Ids{kSpace, kAA}));
  EXPECT_EQ(tokenizer.encode(" ab"), (Ids{kSpaceA, kB}));
}

TEST_F(TokenizerSmallVocabulary, LongPiecesMergeLikeShortOnes) {
  const Tokenizer tokenizer = load();
  // 63 a's stay on the short path, 101 take the priority queue; both pair up
  // left to right, and the odd a at the end joins the aa before it.
  Ids shortExpected(30, kAA);
  shortExpected.push_back(kAAA);
  EXPECT_EQ(tokenizer.encode(std::string(63, 'a')), shortExpected);
  Ids longExpected(49, kAA);
  longExpected.push_back(kAAA);
  EXPECT_EQ(tokenizer.encode(std::string(101, 'a')), longExpected);
  EXPECT_EQ(tokenizer.encode(std::string(100, 'a')), Ids(50, kAA));
}

TEST_F(TokenizerSmallVocabulary, SpecialTokenOnlyWhenAllowed) {
  const Tokenizer tokenizer = load();
  EXPECT_EQ(tokenizer.specialTokenId("<|endoftext|>"), kEndOfText);
  EXPECT_EQ(tokenizer.encode("a<|endoftext|>", {.allowSpecial = true}), (Ids{kA, kEndOfText}));
  EXPECT_EQ(tokenizer.encode("a<|endoftext|>"),
            (Ids{kA, '<', '|', 'e', 'n', 'd', 'o', 'f', 't', 'e', 'x', 't', '|', '>'}));
  EXPECT_EQ(tokenizer.decode(Ids{kEndOfText}), "<|endoftext|>");
}

TEST_F(TokenizerSmallVocabulary, ByteTokensDecodeToTheirBytes) {
  const Tokenizer tokenizer = load();
  EXPECT_EQ(tokenizer.vocabSize(), 261);
  for (int byte = 0; byte < 256; ++byte)
    EXPECT_EQ(tokenizer.tokenBytes(byte), std::string(1, char(byte)));
  EXPECT_EQ(tokenizer.tokenBytes(kSpaceA), " a");
}

TEST_F(TokenizerSmallVocabulary, CrlfMergesFileAndBlankLinesAreAccepted) {
  dir_.write("merges.txt", "#version: 0.2\r\na a\r\nb c\r\n\r\naa a\r\n\xC4\xA0 a\r\n\r\n");
  const Tokenizer tokenizer = load();
  EXPECT_EQ(tokenizer.encode("aaa abc"), (Ids{kAAA, kSpaceA, kBC}));
}

TEST_F(TokenizerSmallVocabulary, RepeatedMergeKeepsItsFirstRank) {
  // A second "a a" line must not demote the pair below "aa a".
  dir_.write("merges.txt", "a a\nb c\naa a\na a\n\xC4\xA0 a\n");
  EXPECT_EQ(load().encode("aaaa"), (Ids{kAA, kAA}));
}

TEST_F(TokenizerSmallVocabulary, SpecialTokenOutsideTheByteAlphabetDecodesToItsText) {
  dir_.write("vocab.json",
             syntheticVocab({"aa", "bc", "aaa", "\xC4\xA0" "a", "<|end of text|>"}).dump());
  const Tokenizer tokenizer = load();
  EXPECT_EQ(tokenizer.encode("<|end of text|>", {.allowSpecial = true}), (Ids{260}));
  EXPECT_EQ(tokenizer.decode(Ids{260}), "<|end of text|>");
}

} // namespace
} // namespace gpt2c::test
