#pragma once
// SHA-256 (FIPS 180-4), incremental. Used to check synthetic weights against the
// golden hashes and, later, the integrity of compiled artifacts.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace gpt2c {

class Sha256 {
public:
  Sha256();
  void update(std::span<const std::uint8_t> data);
  // Finishes the hash and returns it as 64 lowercase hex digits; the object is then spent.
  std::string hexDigest();

private:
  void compressBlock(const std::uint8_t *block);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> pending_{};
  std::size_t pendingSize_ = 0;
  std::uint64_t totalBytes_ = 0;
};

std::string sha256Hex(std::span<const std::uint8_t> data);

} // namespace gpt2c
