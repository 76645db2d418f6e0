#pragma once
// Small vocab.json / merges.txt pairs written to a scratch directory, for checking
// merge semantics by hand and for every way the files can be wrong.
#include "TestSupport.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace gpt2c::test {

// GPT-2's spelling of bytes in its files: printable bytes as themselves, the other
// 68 (controls, space, 127..160, 173) as U+0100 onwards in byte order.
inline std::string byteLevelSpelling(std::string_view bytes) {
  auto prints = [](int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174; };
  std::string spelling;
  for (unsigned char byte : bytes) {
    int codePoint = byte;
    if (!prints(byte)) {
      codePoint = 256;
      for (int before = 0; before < byte; ++before)
        codePoint += prints(before) ? 0 : 1;
    }
    if (codePoint < 0x80) {
      spelling += char(codePoint);
    } else {
      spelling += char(0xC0 | codePoint >> 6);
      spelling += char(0x80 | (codePoint & 0x3F));
    }
  }
  return spelling;
}

// A vocabulary with the 256 byte tokens at ids 0..255 (id = byte value) followed by
// `extra` spellings at 256, 257, ...
inline nlohmann::json syntheticVocab(const std::vector<std::string> &extra) {
  nlohmann::json vocab = nlohmann::json::object();
  for (int byte = 0; byte < 256; ++byte)
    vocab[byteLevelSpelling(std::string(1, char(byte)))] = byte;
  for (std::size_t i = 0; i < extra.size(); ++i)
    vocab[extra[i]] = 256 + i;
  return vocab;
}

// The standard small tokenizer of these tests:
//   256 "aa"  257 "bc"  258 "aaa"  259 "Ġa" (" a")  260 "<|endoftext|>"
// merged in the order: a a, b c, aa a, Ġ a.
inline void writeSmallTokenizer(const ScratchDir &dir) {
  dir.write("vocab.json",
            syntheticVocab({"aa", "bc", "aaa", "\xC4\xA0" "a", "<|endoftext|>"}).dump());
  dir.write("merges.txt", "#version: 0.2\na a\nb c\naa a\n\xC4\xA0 a\n");
}

} // namespace gpt2c::test
