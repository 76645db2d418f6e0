#include "ByteLevel.h"

#include "Utf8.h"

#include <array>

namespace gpt2c::bpe {
namespace {

constexpr bool printsAsItself(int byte) {
  return (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) ||
         (byte >= 174 && byte <= 255);
}

constexpr char32_t kFirstStandIn = 0x100;
constexpr int kStandIns = 68;

constexpr std::array<char32_t, 256> makeByteToCodePoint() {
  std::array<char32_t, 256> table{};
  char32_t nextStandIn = kFirstStandIn;
  for (int byte = 0; byte < 256; ++byte)
    table[byte] = printsAsItself(byte) ? char32_t(byte) : nextStandIn++;
  return table;
}

constexpr std::array<char32_t, 256> kByteToCodePoint = makeByteToCodePoint();
static_assert(kByteToCodePoint[' '] == 0x120 && kByteToCodePoint[255] == 255);

// Inverse of kByteToCodePoint over U+0000..U+0143; -1 where no byte maps.
constexpr std::array<int, kFirstStandIn + kStandIns> makeCodePointToByte() {
  std::array<int, kFirstStandIn + kStandIns> table{};
  for (int &entry : table)
    entry = -1;
  for (int byte = 0; byte < 256; ++byte)
    table[kByteToCodePoint[byte]] = byte;
  return table;
}

constexpr auto kCodePointToByte = makeCodePointToByte();

void appendUtf8(std::string &out, char32_t codePoint) {
  // The alphabet stays below U+0800: one or two bytes.
  if (codePoint < 0x80) {
    out += char(codePoint);
  } else {
    out += char(0xC0 | (codePoint >> 6));
    out += char(0x80 | (codePoint & 0x3F));
  }
}

} // namespace

char32_t byteToCodePoint(std::uint8_t byte) { return kByteToCodePoint[byte]; }

std::optional<std::string> spellingToBytes(std::string_view spelling) {
  std::string bytes;
  const auto *at = reinterpret_cast<const unsigned char *>(spelling.data());
  const auto *end = at + spelling.size();
  while (at < end) {
    DecodedUtf8 decoded = decodeUtf8(at, end);
    if (decoded.length == 0 || decoded.codePoint >= kCodePointToByte.size() ||
        kCodePointToByte[decoded.codePoint] < 0)
      return std::nullopt;
    bytes += char(kCodePointToByte[decoded.codePoint]);
    at += decoded.length;
  }
  return bytes;
}

std::string bytesToSpelling(std::string_view bytes) {
  std::string spelling;
  for (char byte : bytes)
    appendUtf8(spelling, kByteToCodePoint[static_cast<unsigned char>(byte)]);
  return spelling;
}

} // namespace gpt2c::bpe
