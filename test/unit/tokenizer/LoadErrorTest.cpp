// Every malformed or missing tokenizer file is a gpt2c::Error with a one-line
// message that names the file and what is wrong.
#include "SyntheticFiles.h"

#include "gpt2c/support/Error.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>

namespace gpt2c::test {
namespace {

// Loads `dir` and returns the error message; fails the test when loading succeeds.
std::string loadError(const std::filesystem::path &dir) {
  try {
    Tokenizer::fromDirectory(dir);
  } catch (const Error &error) {
    std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "loading " << dir << " did not fail";
  return {};
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

class TokenizerBrokenFiles : public ::testing::Test {
protected:
  void SetUp() override { writeSmallTokenizer(dir_); }
  void writeVocab(const nlohmann::json &vocab) const { dir_.write("vocab.json", vocab.dump()); }
  ScratchDir dir_;
};

TEST_F(TokenizerBrokenFiles, MissingDirectory) {
  EXPECT_CONTAINS(loadError(dir_.file("nowhere")), "not a directory");
}

TEST_F(TokenizerBrokenFiles, MissingVocab) {
  std::filesystem::remove(dir_.file("vocab.json"));
  std::string message = loadError(dir_.path());
  EXPECT_CONTAINS(message, "vocab.json: missing file");
}

TEST_F(TokenizerBrokenFiles, MissingMerges) {
  std::filesystem::remove(dir_.file("merges.txt"));
  EXPECT_CONTAINS(loadError(dir_.path()), "merges.txt: missing file");
}

TEST_F(TokenizerBrokenFiles, MalformedJson) {
  dir_.write("vocab.json", "{\"a\": 0, \"b\": ");
  std::string message = loadError(dir_.path());
  EXPECT_CONTAINS(message, "vocab.json: malformed JSON");
}

TEST_F(TokenizerBrokenFiles, JsonThatIsNotAnObject) {
  dir_.write("vocab.json", "[0, 1, 2]");
  EXPECT_CONTAINS(loadError(dir_.path()), "vocab.json: expected a non-empty JSON object");
}

TEST_F(TokenizerBrokenFiles, IdThatIsNotAnInteger) {
  nlohmann::json vocab = syntheticVocab({"aa", "bc", "aaa", "\xC4\xA0" "a"});
  vocab["aa"] = "256";
  writeVocab(vocab);
  EXPECT_CONTAINS(loadError(dir_.path()), "token \"aa\" has id \"256\", not an integer");
}

TEST_F(TokenizerBrokenFiles, SharedId) {
  nlohmann::json vocab = syntheticVocab({"aa", "bc", "aaa", "\xC4\xA0" "a"});
  vocab["bc"] = 256;
  writeVocab(vocab);
  EXPECT_CONTAINS(loadError(dir_.path()), "share id 256");
}

TEST_F(TokenizerBrokenFiles, IdsWithAGap) {
  nlohmann::json vocab = syntheticVocab({"aa", "bc", "aaa", "\xC4\xA0" "a"});
  vocab["aaa"] = 9000;
  writeVocab(vocab);
  EXPECT_CONTAINS(loadError(dir_.path()), "has id 9000; ids must run from 0 to 259 without gaps");
}

TEST_F(TokenizerBrokenFiles, NegativeId) {
  nlohmann::json vocab = syntheticVocab({"aa", "bc", "aaa", "\xC4\xA0" "a"});
  vocab["aaa"] = -1;
  writeVocab(vocab);
  EXPECT_CONTAINS(loadError(dir_.path()), "has id -1");
}

TEST_F(TokenizerBrokenFiles, MissingByteToken) {
  nlohmann::json vocab = syntheticVocab({"aa", "bc", "aaa", "\xC4\xA0" "a"});
  vocab.erase("z");
  vocab["zz"] = int('z'); // keep the ids contiguous
  writeVocab(vocab);
  EXPECT_CONTAINS(loadError(dir_.path()), "no token for byte 0x7A");
}

TEST_F(TokenizerBrokenFiles, TokenOutsideTheByteAlphabet) {
  // A literal space is never part of a spelling: GPT-2 writes it as U+0120.
  writeVocab(syntheticVocab({"aa", "bc", "aaa", "\xC4\xA0" "a", "a b"}));
  EXPECT_CONTAINS(loadError(dir_.path()),
                  "token \"a b\" (id 260) is not written in GPT-2's byte alphabet");
}

TEST_F(TokenizerBrokenFiles, MergesLineWithOneToken) {
  dir_.write("merges.txt", "#version: 0.2\na a\nbc\n");
  EXPECT_CONTAINS(loadError(dir_.path()),
                  "merges.txt:3: expected two token spellings separated by one space, got \"bc\"");
}

TEST_F(TokenizerBrokenFiles, MergesLineWithThreeTokens) {
  dir_.write("merges.txt", "a a b\n");
  EXPECT_CONTAINS(loadError(dir_.path()), "merges.txt:1: expected two token spellings");
}

TEST_F(TokenizerBrokenFiles, MergesLineWithDoubleSpace) {
  dir_.write("merges.txt", "a  a\n");
  EXPECT_CONTAINS(loadError(dir_.path()), "merges.txt:1: expected two token spellings");
}

TEST_F(TokenizerBrokenFiles, MergeOfAnUnknownToken) {
  dir_.write("merges.txt", "#version: 0.2\na a\nqq a\n");
  EXPECT_CONTAINS(loadError(dir_.path()), "merges.txt:3: token \"qq\" is not in vocab.json");
}

TEST_F(TokenizerBrokenFiles, MergeWhoseResultIsNotInTheVocabulary) {
  dir_.write("merges.txt", "a a\nb b\n");
  EXPECT_CONTAINS(loadError(dir_.path()), "merges.txt:2: token \"bb\" is not in vocab.json");
}

TEST_F(TokenizerBrokenFiles, MergeOfATokenOutsideTheByteAlphabet) {
  // U+0200 is past the alphabet; the token is allowed as a special token, not in a merge.
  writeVocab(syntheticVocab({"aa", "bc", "aaa", "\xC4\xA0" "a", "<|\xC8\x80|>"}));
  dir_.write("merges.txt", "a a\n<|\xC8\x80|> a\n");
  EXPECT_CONTAINS(loadError(dir_.path()),
                  "merges.txt:2: token \"<|\xC8\x80|>\" is not written in GPT-2's byte alphabet");
}

} // namespace
} // namespace gpt2c::test
