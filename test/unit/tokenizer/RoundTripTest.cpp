// decode(encode(s)) == s for random Unicode text and random bytes, valid UTF-8 or not.
#include "TokenizerTestSupport.h"

#include "gpt2c/tokenizer/PreTokenizer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace gpt2c::test {
namespace {

void appendUtf8(std::string &out, char32_t codePoint) {
  if (codePoint < 0x80) {
    out += char(codePoint);
  } else if (codePoint < 0x800) {
    out += char(0xC0 | codePoint >> 6);
    out += char(0x80 | (codePoint & 0x3F));
  } else if (codePoint < 0x10000) {
    out += char(0xE0 | codePoint >> 12);
    out += char(0x80 | (codePoint >> 6 & 0x3F));
    out += char(0x80 | (codePoint & 0x3F));
  } else {
    out += char(0xF0 | codePoint >> 18);
    out += char(0x80 | (codePoint >> 12 & 0x3F));
    out += char(0x80 | (codePoint >> 6 & 0x3F));
    out += char(0x80 | (codePoint & 0x3F));
  }
}

// Random text mixing the things the pre-tokenizer tells apart: words, contractions,
// digits of several scripts, white space runs of every kind, combining marks,
// emoji, CJK, private use and unassigned code points, from all planes.
class RandomText {
public:
  explicit RandomText(unsigned seed) : random_(seed) {}

  std::string next() {
    std::string text;
    const int parts = pick(0, 24);
    for (int i = 0; i < parts; ++i)
      appendPart(text);
    return text;
  }

private:
  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

  char32_t anyCodePoint() {
    for (;;) {
      char32_t codePoint;
      switch (pick(0, 3)) {
      case 0: codePoint = char32_t(pick(0, 0x7F)); break;
      case 1: codePoint = char32_t(pick(0x80, 0x7FF)); break;
      case 2: codePoint = char32_t(pick(0x800, 0xFFFF)); break;
      default: codePoint = char32_t(pick(0x10000, 0x10FFFF)); break;
      }
      if (codePoint < 0xD800 || codePoint > 0xDFFF) // surrogates are not characters
        return codePoint;
    }
  }

  void appendPart(std::string &text) {
    static const char32_t kChosen[] = {
        U' ', U' ', U'\t', U'\n', U'\r', U'\v', U'\f', U'\u0085', U'\u00A0', U'\u2028',
        U'\u3000', U'\u1680', U'\x1C', U'\u200B', U'\u180E',          // white space or not
        U'\'', U's', U't', U'm', U'd', U'r', U'e', U'v', U'l', U'S', // contractions
        U'0', U'7', U'\u0663', U'\u00BD', U'\u2167', U'\U0001D7D9',  // numbers
        U'\u0301', U'\u0308', U'\u20DD',                             // combining marks
        U'\U0001F600', U'\U0001F44D', U'\U0001F3FD', U'\u200D',      // emoji, ZWJ
        U'\u4E2D', U'\u6587', U'\uAC00', U'\u0416', U'\u03A9',       // letters
        U'!', U'.', U',', U'-', U'<', U'|', U'>', U'\u20AC', U'\uE000', U'\U0010FFFF'};
    static const char *const kWords[] = {"'s", "'ll", "'ve", "'re", "'d", "'m", "'t", " the",
                                         "Hello", " world", "<|endoftext|>", "1234567890",
                                         "    ", "\r\n", "\n\n\n", "don't", "ing"};
    switch (pick(0, 9)) {
    case 0:
    case 1:
      text += kWords[pick(0, std::size(kWords) - 1)];
      break;
    case 2:
    case 3:
    case 4:
      appendUtf8(text, kChosen[pick(0, std::size(kChosen) - 1)]);
      break;
    case 5: // a long run of one character: long pieces take the priority-queue path
      for (int n = pick(1, 150), i = 0; i < n; ++i)
        appendUtf8(text, kChosen[pick(0, 2) == 0 ? 0 : pick(16, 30)]);
      break;
    default:
      appendUtf8(text, anyCodePoint());
      break;
    }
  }

  std::mt19937 random_;
};

std::string randomBytes(std::mt19937 &random, std::size_t maxLength) {
  std::uniform_int_distribution<std::size_t> length(0, maxLength);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string bytes(length(random), '\0');
  for (char &c : bytes)
    c = char(byte(random));
  return bytes;
}

void expectRoundTrip(const std::string &text) {
  const std::vector<std::int32_t> ids = gpt2Tokenizer().encode(text);
  for (std::int32_t id : ids)
    ASSERT_TRUE(id >= 0 && id < gpt2Tokenizer().vocabSize()) << id;
  std::string pieces;
  for (std::string_view piece : bpe::splitIntoPieces(text))
    pieces += piece;
  ASSERT_EQ(pieces, text);
  ASSERT_EQ(gpt2Tokenizer().decode(ids), text);
}

TEST(TokenizerRoundTrip, RandomUnicodeText) {
  RandomText random(20261121);
  for (int i = 0; i < 3000; ++i)
    expectRoundTrip(random.next());
}

TEST(TokenizerRoundTrip, RandomBytes) {
  std::mt19937 random(7);
  for (int i = 0; i < 3000; ++i)
    expectRoundTrip(randomBytes(random, 64));
}

TEST(TokenizerRoundTrip, UnicodeTextWithIllFormedBytesInside) {
  RandomText text(99);
  std::mt19937 random(99);
  for (int i = 0; i < 2000; ++i) {
    std::string mixed = text.next();
    std::string noise = randomBytes(random, 4);
    mixed.insert(std::uniform_int_distribution<std::size_t>(0, mixed.size())(random), noise);
    expectRoundTrip(mixed);
  }
}

TEST(TokenizerRoundTrip, EveryCodePoint) {
  // Each scalar value, in a context where its class decides the split.
  std::string text;
  for (char32_t codePoint = 0; codePoint <= 0x10FFFF; ++codePoint) {
    if (codePoint >= 0xD800 && codePoint <= 0xDFFF)
      continue;
    text += " a";
    appendUtf8(text, codePoint);
    text += '1';
    appendUtf8(text, codePoint);
    if ((codePoint & 0xFFF) == 0xFFF) {
      expectRoundTrip(text);
      text.clear();
    }
  }
  expectRoundTrip(text);
}

} // namespace
} // namespace gpt2c::test
