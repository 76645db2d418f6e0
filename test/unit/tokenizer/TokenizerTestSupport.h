#pragma once
// What the tokenizer tests share: the GPT-2 tokenizer of ../shared, loaded once per
// test process, and the golden references next to it.
#include "TestSupport.h"

#include "gpt2c/tokenizer/Tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace gpt2c::test {

inline std::filesystem::path gpt2TokenizerDir() { return sharedDir() / "tokenizer" / "gpt2"; }

inline const Tokenizer &gpt2Tokenizer() {
  static const Tokenizer tokenizer = Tokenizer::fromDirectory(gpt2TokenizerDir());
  return tokenizer;
}

struct GoldenCase {
  std::string text;
  std::vector<std::int32_t> ids;
};

// The cases of golden/tokenizer-golden.json.
std::vector<GoldenCase> goldenCases();

// golden/tokenizer-wikitext2-test.u16 as ids.
std::vector<std::int32_t> wikiText2GoldenIds();

// data/wikitext-2-raw-test.txt, byte for byte.
std::string wikiText2Bytes();

} // namespace gpt2c::test
