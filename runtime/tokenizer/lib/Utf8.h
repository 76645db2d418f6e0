#pragma once
// Strict UTF-8 decoding of one character (Unicode 14, table 3-7: no overlong forms,
// no surrogates, nothing above U+10FFFF).
#include <cstdint>

namespace gpt2c::bpe {

struct DecodedUtf8 {
  char32_t codePoint;
  std::uint32_t length; // 1 to 4 bytes; 0 when the bytes at the position are ill-formed
};

// Decodes the character at `at` (before `end`, at < end).
DecodedUtf8 decodeUtf8(const unsigned char *at, const unsigned char *end);

} // namespace gpt2c::bpe
