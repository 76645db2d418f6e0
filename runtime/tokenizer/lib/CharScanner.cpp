#include "CharScanner.h"

#include "Utf8.h"

namespace gpt2c::bpe {

ScannedChar scanNonAscii(const unsigned char *at, const unsigned char *end) {
  DecodedUtf8 decoded = decodeUtf8(at, end);
  if (decoded.length == 0)
    return {CharClass::Other, 1};
  return {classifyCodePoint(decoded.codePoint), decoded.length};
}

} // namespace gpt2c::bpe
