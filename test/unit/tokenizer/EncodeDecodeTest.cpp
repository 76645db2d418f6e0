// The GPT-2 tokenizer's options and errors: special tokens on and off, decode of
// ids out of range.
#include "TokenizerTestSupport.h"

#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>

namespace gpt2c::test {
namespace {

using Ids = std::vector<std::int32_t>;
constexpr std::int32_t kEndOfText = 50256;

TEST(TokenizerSpecial, EndOfTextIsOrdinaryTextByDefault) {
  // golden/tokenizer-golden.json has this case too; here against the option.
  const Ids asText{27, 91, 437, 1659, 5239, 91, 29};
  EXPECT_EQ(gpt2Tokenizer().encode("<|endoftext|>"), asText);
  EXPECT_EQ(gpt2Tokenizer().encode("<|endoftext|>", {.allowSpecial = false}), asText);
}

TEST(TokenizerSpecial, EndOfTextIsOneTokenWhenAllowed) {
  const Tokenizer &tokenizer = gpt2Tokenizer();
  EXPECT_EQ(tokenizer.specialTokenId("<|endoftext|>"), kEndOfText);
  EXPECT_EQ(tokenizer.specialTokenId("<|startoftext|>"), std::nullopt);
  EXPECT_EQ(tokenizer.specialTokenId("Hello"), std::nullopt);
  const EncodeOptions allow{.allowSpecial = true};
  EXPECT_EQ(tokenizer.encode("<|endoftext|>", allow), (Ids{kEndOfText}));
  EXPECT_EQ(tokenizer.encode("<|endoftext|><|endoftext|>", allow), (Ids{kEndOfText, kEndOfText}));
  // Text on each side is pre-tokenized on its own: the space does not join "Hello".
  // Ids from golden/tokenizer-golden.json: 15496 "Hello", 220 " ", 0 "!".
  EXPECT_EQ(tokenizer.encode("Hello <|endoftext|>!", allow), (Ids{15496, 220, kEndOfText, 0}));
  EXPECT_EQ(tokenizer.encode("<|endoftext|", allow), tokenizer.encode("<|endoftext|"));
  EXPECT_EQ(tokenizer.decode(Ids{kEndOfText}), "<|endoftext|>");
}

TEST(TokenizerDecode, IdOutOfRangeIsAnError) {
  const Tokenizer &tokenizer = gpt2Tokenizer();
  EXPECT_EQ(tokenizer.vocabSize(), 50257);
  for (std::int32_t bad : {-1, 50257, 1 << 30}) {
    try {
      tokenizer.decode(Ids{15496, bad});
      ADD_FAILURE() << "decode accepted id " << bad;
    } catch (const Error &error) {
      EXPECT_NE(std::string(error.what()).find("token id " + std::to_string(bad) +
                                               " at position 1 is out of range"),
                std::string::npos)
          << error.what();
    }
    EXPECT_THROW(tokenizer.tokenBytes(bad), Error);
  }
}

TEST(TokenizerDecode, EmptyInput) {
  EXPECT_EQ(gpt2Tokenizer().decode(Ids{}), "");
  EXPECT_TRUE(gpt2Tokenizer().encode("").empty());
}

TEST(TokenizerEncode, EncodeIntoAppends) {
  Ids ids{42};
  gpt2Tokenizer().encodeInto("Hello, world!", ids);
  EXPECT_EQ(ids, (Ids{42, 15496, 11, 995, 0}));
}

} // namespace
} // namespace gpt2c::test
