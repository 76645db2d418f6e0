#pragma once
// Builds safetensors files byte by byte for tests, independently of the project's
// writer: a JSON header text chosen by the test, and raw data bytes.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace gpt2c::test {

inline std::vector<std::uint8_t> safeTensorsImage(const std::string &header,
                                                  const std::vector<std::uint8_t> &data,
                                                  std::uint64_t declaredHeaderSize = UINT64_MAX) {
  std::uint64_t size = declaredHeaderSize == UINT64_MAX ? header.size() : declaredHeaderSize;
  std::vector<std::uint8_t> bytes(8);
  for (int i = 0; i < 8; ++i)
    bytes[i] = std::uint8_t(size >> (8 * i));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

template <typename T> std::vector<std::uint8_t> rawBytes(const std::vector<T> &values) {
  std::vector<std::uint8_t> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

} // namespace gpt2c::test
