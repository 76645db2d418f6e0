#include "gpt2c/tokenizer/CharClass.h"

#include <algorithm>
#include <iterator>

namespace gpt2c::bpe {
namespace {

struct ClassRange {
  char32_t first;
  char32_t last;
  CharClass charClass;
};

#include "UnicodeTables.inc"

static_assert(std::size(kClassRanges) > 0);

} // namespace

CharClass classifyCodePoint(char32_t codePoint) {
  // The first range whose last code point is not below codePoint.
  const auto *range =
      std::lower_bound(std::begin(kClassRanges), std::end(kClassRanges), codePoint,
                       [](const ClassRange &r, char32_t cp) { return r.last < cp; });
  if (range != std::end(kClassRanges) && range->first <= codePoint)
    return range->charClass;
  return CharClass::Other;
}

std::string_view unicodeVersion() { return kUnicodeVersion; }

} // namespace gpt2c::bpe
