#pragma once
// Reads one character of (possibly ill-formed) UTF-8 and classifies it. ASCII, the
// bulk of most text, is a table lookup; everything else is decoded strictly.
#include "gpt2c/tokenizer/CharClass.h"

#include <array>
#include <cstdint>

namespace gpt2c::bpe {

struct ScannedChar {
  CharClass charClass;
  std::uint32_t length; // bytes, 1 to 4
};

namespace detail {

constexpr std::array<CharClass, 128> makeAsciiClasses() {
  std::array<CharClass, 128> classes{};
  for (int c = 0; c < 128; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
      classes[c] = CharClass::Letter;
    else if (c >= '0' && c <= '9')
      classes[c] = CharClass::Number;
    else if (c == ' ' || (c >= '\t' && c <= '\r'))
      classes[c] = CharClass::Space;
    else
      classes[c] = CharClass::Other;
  }
  return classes;
}

inline constexpr std::array<CharClass, 128> kAsciiClasses = makeAsciiClasses();

} // namespace detail

// Decodes the well-formed UTF-8 sequence at `at` (before `end`), or reports an
// ill-formed byte as a one-byte Other character.
ScannedChar scanNonAscii(const unsigned char *at, const unsigned char *end);

inline ScannedChar scanChar(const unsigned char *at, const unsigned char *end) {
  if (*at < 0x80)
    return {detail::kAsciiClasses[*at], 1};
  return scanNonAscii(at, end);
}

} // namespace gpt2c::bpe
