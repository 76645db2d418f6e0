// Cases beyond golden/tokenizer-golden.json that reach paths it does not: pieces
// longer than 64 bytes, non-ASCII letters, numbers, marks and white space. The ids
// were computed with Hugging Face tokenizers 0.23.3 (BPE + ByteLevel over
// ../shared/tokenizer/gpt2) and checked equal to tiktoken 0.14.0.
#include "TokenizerTestSupport.h"

#include <gtest/gtest.h>

namespace gpt2c::test {
namespace {

struct ReferenceCase {
  const char *text;
  std::vector<std::int32_t> ids;
};

// clang-format off
const ReferenceCase kReferenceCases[] = {
    {"supercalifragilisticexpialidocioussupercalifragilisticexpialidocioussupercalifragilisticexpialidocious",
     {16668, 9948, 361, 22562, 346, 396, 501, 42372, 498, 312, 32346, 16668, 9948, 361, 22562, 346, 396, 501, 42372, 498, 312, 32346, 16668, 9948, 361, 22562, 346, 396, 501, 42372, 498, 312, 32346}},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
     {24694, 32988, 17511, 23852, 42, 31288, 45, 3185, 48, 49, 2257, 52, 30133, 34278, 57, 39305, 4299, 456, 2926, 41582, 10295, 404, 80, 81, 301, 14795, 86, 5431, 89, 24694, 32988, 17511, 23852, 42, 31288, 45, 3185, 48, 49, 2257, 52, 30133, 34278, 57, 39305, 4299, 456, 2926, 41582, 10295, 404, 80, 81, 301, 14795, 86, 5431, 89}},
    {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
     {10163, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 3134, 4531, 486, 1954, 2231, 30924, 3829}},
    {"!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!?",
     {34635, 34635, 34635, 34635, 34635, 34635, 34635, 34635, 13896, 3228, 30}},
    {"                                                                      x",
     {220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 220, 2124}},
    {"na\xC3\xAFve caf\xC3\xA9 \xE2\x80\x94 \xC2\xABquoted\xC2\xBB \xE6\x9D\xB1\xE4\xBA\xAC\xE3\x82\xBF\xE3\x83\xAF\xE3\x83\xBC \xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xCE\xA9\xCE\xBC\xCE\xAD\xCE\xB3\xCE\xB1",
     {2616, 38776, 40304, 851, 21110, 421, 5191, 17730, 10545, 251, 109, 12859, 105, 23376, 25589, 6312, 30325, 222, 41840, 235, 8582, 237, 121, 7377, 102, 34703, 138, 255, 42063, 17394}},
    {"x\x1C\x1Cy \xC2\xA0 \xE3\x80\x80z\xE2\x80\xA8\xC2\x85" "end",
     {87, 216, 216, 88, 5624, 220, 5099, 222, 89, 447, 101, 126, 227, 437}},
    {" \x09\x0A  'Twas y'all's 'RE 'Ve",
     {220, 197, 198, 220, 705, 5080, 292, 331, 6, 439, 338, 705, 2200, 705, 26979}},
    {"e\xCC\x81\xCC\x81 \xE0\xA4\x95\xE0\xA5\x8D\xE0\xA4\xB7 \xD9\xA1\xD9\xA2\xD9\xA3 \xC2\xBD\xE2\x85\xA7",
     {68, 136, 223, 136, 223, 28225, 243, 24231, 235, 11976, 115, 18923, 94, 149, 95, 149, 96, 25208, 158, 227, 100}},
};
// clang-format on

TEST(TokenizerReference, LongPiecesAndNonAsciiTextEncodeExactly) {
  for (const ReferenceCase &reference : kReferenceCases) {
    EXPECT_EQ(gpt2Tokenizer().encode(reference.text), reference.ids)
        << "text: \"" << reference.text << '"';
    EXPECT_EQ(gpt2Tokenizer().decode(reference.ids), reference.text);
  }
}

} // namespace
} // namespace gpt2c::test
