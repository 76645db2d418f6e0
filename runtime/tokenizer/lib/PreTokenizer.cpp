#include "gpt2c/tokenizer/PreTokenizer.h"

#include "CharScanner.h"

namespace gpt2c::bpe {
namespace {

using Byte = unsigned char;

// Bytes taken by one of 's 't 'm 'd 're 've 'll at `at` (an apostrophe), else 0.
std::size_t contractionLength(const Byte *at, const Byte *end) {
  if (end - at < 2)
    return 0;
  switch (at[1]) {
  case 's':
  case 't':
  case 'm':
  case 'd':
    return 2;
  case 'r':
  case 'v':
    return end - at >= 3 && at[2] == 'e' ? 3 : 0;
  case 'l':
    return end - at >= 3 && at[2] == 'l' ? 3 : 0;
  default:
    return 0;
  }
}

// The end of the maximal run of `charClass` characters from `at`.
const Byte *classRunEnd(const Byte *at, const Byte *end, CharClass charClass) {
  while (at < end) {
    ScannedChar next = scanChar(at, end);
    if (next.charClass != charClass)
      break;
    at += next.length;
  }
  return at;
}

// `\s+(?!\S)|\s+` from `at`, a white space character: the whole run if it ends the
// text, else the run less its last character, else (a run of one) that character.
const Byte *whitespacePieceEnd(const Byte *at, const Byte *end) {
  const Byte *lastChar = at;
  const Byte *runEnd = at;
  while (runEnd < end) {
    ScannedChar next = scanChar(runEnd, end);
    if (next.charClass != CharClass::Space)
      break;
    lastChar = runEnd;
    runEnd += next.length;
  }
  if (runEnd == end || lastChar == at)
    return runEnd;
  return lastChar;
}

} // namespace

std::size_t nextPieceEnd(std::string_view text, std::size_t begin) {
  const Byte *data = reinterpret_cast<const Byte *>(text.data());
  const Byte *end = data + text.size();
  const Byte *at = data + begin;

  if (*at == '\'') {
    if (std::size_t length = contractionLength(at, end))
      return begin + length;
  }
  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: a space joins the run after it.
  const Byte *runStart = at;
  if (*at == ' ' && at + 1 < end && scanChar(at + 1, end).charClass != CharClass::Space)
    runStart = at + 1;
  ScannedChar first = scanChar(runStart, end);
  if (first.charClass == CharClass::Space)
    return whitespacePieceEnd(at, end) - data;
  return classRunEnd(runStart + first.length, end, first.charClass) - data;
}

std::vector<std::string_view> splitIntoPieces(std::string_view text) {
  std::vector<std::string_view> pieces;
  for (std::size_t begin = 0; begin < text.size();) {
    std::size_t end = nextPieceEnd(text, begin);
    pieces.push_back(text.substr(begin, end - begin));
    begin = end;
  }
  return pieces;
}

} // namespace gpt2c::bpe
