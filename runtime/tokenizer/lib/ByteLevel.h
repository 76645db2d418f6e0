#pragma once
// GPT-2's byte-level alphabet: vocab.json and merges.txt spell each byte as one
// printable code point so that the files stay readable text. Bytes that print
// (33..126, 161..172, 174..255) stand for themselves; the other 68 bytes take
// U+0100..U+0143 in byte order (so a space is written U+0120 'Ġ').
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gpt2c::bpe {

char32_t byteToCodePoint(std::uint8_t byte);

// The bytes a spelling stands for; nullopt when it is not UTF-8 or has a code
// point outside the alphabet.
std::optional<std::string> spellingToBytes(std::string_view spelling);

// The spelling of some bytes, for error messages.
std::string bytesToSpelling(std::string_view bytes);

} // namespace gpt2c::bpe
