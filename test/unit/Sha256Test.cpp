// SHA-256 against the FIPS 180-2 test vectors.
#include "gpt2c/support/Sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace gpt2c {
namespace {

std::span<const std::uint8_t> bytesOf(const std::string &text) {
  return {reinterpret_cast<const std::uint8_t *>(text.data()), text.size()};
}

TEST(Sha256, StandardVectors) {
  EXPECT_EQ(sha256Hex(bytesOf("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex(bytesOf("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex(bytesOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, MillionAsInUnevenChunks) {
  std::string chunk(997, 'a');
  Sha256 hasher;
  std::size_t remaining = 1'000'000;
  for (std::size_t step = 1; remaining > 0; step = (step * 7 + 13) % 997 + 1) {
    std::size_t take = std::min(step, remaining);
    hasher.update(bytesOf(chunk).first(take));
    remaining -= take;
  }
  EXPECT_EQ(hasher.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

} // namespace
} // namespace gpt2c
