// The split into pieces, case by case from the regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// and the character classes behind it.
#include "gpt2c/tokenizer/CharClass.h"
#include "gpt2c/tokenizer/PreTokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gpt2c::bpe {
namespace {

using Pieces = std::vector<std::string>;

Pieces split(std::string_view text) {
  Pieces pieces;
  for (std::string_view piece : splitIntoPieces(text))
    pieces.emplace_back(piece);
  return pieces;
}

TEST(PreTokenizer, WordsTakeTheSpaceBeforeThem) {
  EXPECT_EQ(split("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(split("a1b"), (Pieces{"a", "1", "b"}));
  EXPECT_EQ(split(" 42!? x"), (Pieces{" 42", "!?", " x"}));
  EXPECT_EQ(split("3.14159"), (Pieces{"3", ".", "14159"}));
  EXPECT_EQ(split("<|endoftext|>"), (Pieces{"<|", "endoftext", "|>"}));
}

TEST(PreTokenizer, EmptyTextHasNoPieces) { EXPECT_TRUE(split("").empty()); }

TEST(PreTokenizer, ContractionsAreLowercaseAndOnlyStartPieces) {
  EXPECT_EQ(split("I'm"), (Pieces{"I", "'m"}));
  EXPECT_EQ(split("they'll've"), (Pieces{"they", "'ll", "'ve"}));
  EXPECT_EQ(split("we'd're't's"), (Pieces{"we", "'d", "'re", "'t", "'s"}));
  EXPECT_EQ(split("DON'T"), (Pieces{"DON", "'", "T"}));
  EXPECT_EQ(split("'sam"), (Pieces{"'s", "am"}));
  EXPECT_EQ(split("''s"), (Pieces{"''", "s"}));
  EXPECT_EQ(split("!'s"), (Pieces{"!'", "s"}));
  EXPECT_EQ(split(" 's"), (Pieces{" '", "s"}));
  EXPECT_EQ(split("'l'"), (Pieces{"'", "l", "'"}));
  EXPECT_EQ(split("'"), (Pieces{"'"}));
}

TEST(PreTokenizer, WhitespaceRunLeavesItsLastCharacterToTheNextPiece) {
  EXPECT_EQ(split("a  b"), (Pieces{"a", " ", " b"}));
  EXPECT_EQ(split("a   b"), (Pieces{"a", "  ", " b"}));
  EXPECT_EQ(split("a\t b"), (Pieces{"a", "\t", " b"}));
  EXPECT_EQ(split("a \tb"), (Pieces{"a", " ", "\t", "b"}));
  EXPECT_EQ(split("a\r\nb"), (Pieces{"a", "\r", "\n", "b"}));
  EXPECT_EQ(split("x\n\ny"), (Pieces{"x", "\n", "\n", "y"}));
  EXPECT_EQ(split("   lead"), (Pieces{"  ", " lead"}));
}

TEST(PreTokenizer, WhitespaceRunAtTheEndStaysWhole) {
  EXPECT_EQ(split("end  "), (Pieces{"end", "  "}));
  EXPECT_EQ(split("x\n\n"), (Pieces{"x", "\n\n"}));
  EXPECT_EQ(split(" "), (Pieces{" "}));
  EXPECT_EQ(split(" \t \n"), (Pieces{" \t \n"}));
}

TEST(PreTokenizer, OnlyAnAsciiSpaceJoinsTheNextWord) {
  // U+00A0 and U+3000 are white space but not the optional ' ' of the regex.
  EXPECT_EQ(split("\xC2\xA0non"), (Pieces{"\xC2\xA0", "non"}));
  EXPECT_EQ(split(" \xC2\xA0x"), (Pieces{" ", "\xC2\xA0", "x"}));
  EXPECT_EQ(split("a\xE3\x80\x80\xE3\x80\x80" "b"),
            (Pieces{"a", "\xE3\x80\x80", "\xE3\x80\x80", "b"}));
}

TEST(PreTokenizer, NonAsciiClasses) {
  EXPECT_EQ(split("\xE6\x97\xA5\xE6\x9C\xAC text"), (Pieces{"\xE6\x97\xA5\xE6\x9C\xAC", " text"}));
  // A combining acute accent (Mn) is Other, not part of the word.
  EXPECT_EQ(split("e\xCC\x81t"), (Pieces{"e", "\xCC\x81", "t"}));
  // Emoji are Other and group with punctuation.
  EXPECT_EQ(split("\xF0\x9F\x98\x80\xF0\x9F\x98\x80! ok"),
            (Pieces{"\xF0\x9F\x98\x80\xF0\x9F\x98\x80!", " ok"}));
  // U+00BD VULGAR FRACTION ONE HALF is No, a number.
  EXPECT_EQ(split("x\xC2\xBD" "2"), (Pieces{"x", "\xC2\xBD" "2"}));
  // U+001C is not White_Space (although Python's str.isspace() says it is).
  EXPECT_EQ(split("!\x1C!"), (Pieces{"!\x1C!"}));
  // U+0085 NEXT LINE is.
  EXPECT_EQ(split("!\xC2\x85!"), (Pieces{"!", "\xC2\x85", "!"}));
}

TEST(PreTokenizer, IllFormedBytesAreOtherCharactersOfOneByte) {
  EXPECT_EQ(split("a\xFF" "b"), (Pieces{"a", "\xFF", "b"}));
  EXPECT_EQ(split("!\x80\xFE?"), (Pieces{"!\x80\xFE?"}));
  EXPECT_EQ(split(" \xC3"), (Pieces{" \xC3"}));                    // truncated
  EXPECT_EQ(split("\xE2\x82x"), (Pieces{"\xE2\x82", "x"}));        // truncated
  EXPECT_EQ(split("\xED\xA0\x80z"), (Pieces{"\xED\xA0\x80", "z"})); // a surrogate
  EXPECT_EQ(split("\xC0\xAF" "a"), (Pieces{"\xC0\xAF", "a"}));      // overlong '/'
  EXPECT_EQ(split("\xF4\x90\x80\x80"), (Pieces{"\xF4\x90\x80\x80"})); // above U+10FFFF
  // The byte after an ill-formed one starts the next character afresh.
  EXPECT_EQ(split("\xC3\xC3\xA9t\xA9"), (Pieces{"\xC3", "\xC3\xA9t", "\xA9"}));
}

TEST(TokenizerCharClass, Letters) {
  for (char32_t letter : {U'a', U'Z', U'\u00E9', U'\u01C5' /*Lt*/, U'\u02B0' /*Lm*/,
                          U'\u05D0' /*Lo*/, U'\u4E2D', U'\U00020000'})
    EXPECT_EQ(classifyCodePoint(letter), CharClass::Letter) << std::hex << unsigned(letter);
}

TEST(TokenizerCharClass, Numbers) {
  for (char32_t number : {U'0', U'\u0661' /*Nd*/, U'\u2164' /*Nl*/, U'\u00BD' /*No*/,
                          U'\u00B2' /*No*/, U'\U0001D7D8' /*Nd*/})
    EXPECT_EQ(classifyCodePoint(number), CharClass::Number) << std::hex << unsigned(number);
}

TEST(TokenizerCharClass, WhiteSpaceIsTheUnicodeProperty) {
  for (char32_t space : {U'\t', U'\n', U'\v', U'\f', U'\r', U' ', U'\u0085', U'\u00A0',
                         U'\u1680', U'\u2000', U'\u200A', U'\u2028', U'\u2029', U'\u202F',
                         U'\u205F', U'\u3000'})
    EXPECT_EQ(classifyCodePoint(space), CharClass::Space) << std::hex << unsigned(space);
  for (char32_t notSpace : {U'\x1C', U'\x1F', U'\u180E', U'\u200B', U'\uFEFF'})
    EXPECT_EQ(classifyCodePoint(notSpace), CharClass::Other) << std::hex << unsigned(notSpace);
}

TEST(TokenizerCharClass, Others) {
  for (char32_t other : {U'!', U'\'', U'\0', U'\x7F', U'\u0301' /*Mn*/, U'\u20AC' /*Sc*/,
                         U'\U0001F600' /*So*/, U'\uE000' /*Co*/, U'\U000E0001' /*Cf*/,
                         U'\U0010FFFF' /*Cn*/})
    EXPECT_EQ(classifyCodePoint(other), CharClass::Other) << std::hex << unsigned(other);
}

TEST(TokenizerCharClass, TablesAreUnicode14) { EXPECT_EQ(unicodeVersion(), "14.0.0"); }

} // namespace
} // namespace gpt2c::bpe
