#include "Utf8.h"

namespace gpt2c::bpe {
namespace {

bool isContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

} // namespace

DecodedUtf8 decodeUtf8(const unsigned char *at, const unsigned char *end) {
  const unsigned char lead = at[0];
  const auto available = end - at;
  if (lead < 0x80)
    return {lead, 1};
  if (lead >= 0xC2 && lead <= 0xDF) {
    if (available < 2 || !isContinuation(at[1]))
      return {0, 0};
    return {char32_t(lead & 0x1F) << 6 | (at[1] & 0x3F), 2};
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (available < 3 || !isContinuation(at[1]) || !isContinuation(at[2]))
      return {0, 0};
    // E0 would be overlong below A0; ED would encode a surrogate from A0 on.
    if ((lead == 0xE0 && at[1] < 0xA0) || (lead == 0xED && at[1] >= 0xA0))
      return {0, 0};
    return {char32_t(lead & 0x0F) << 12 | char32_t(at[1] & 0x3F) << 6 | (at[2] & 0x3F), 3};
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (available < 4 || !isContinuation(at[1]) || !isContinuation(at[2]) ||
        !isContinuation(at[3]))
      return {0, 0};
    // F0 would be overlong below 90; F4 would pass U+10FFFF from 90 on.
    if ((lead == 0xF0 && at[1] < 0x90) || (lead == 0xF4 && at[1] >= 0x90))
      return {0, 0};
    return {char32_t(lead & 0x07) << 18 | char32_t(at[1] & 0x3F) << 12 |
                char32_t(at[2] & 0x3F) << 6 | (at[3] & 0x3F),
            4};
  }
  return {0, 0}; // a continuation byte, C0, C1 or F5..FF
}

} // namespace gpt2c::bpe
