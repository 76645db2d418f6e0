#include "gpt2c/runtime/Random.h"

#include "gpt2c/support/Error.h"

#include <bit>

namespace gpt2c {

std::uint64_t splitMix64(std::uint64_t &state) {
  state += 0x9e3779b97f4a7c15ULL;
  std::uint64_t mixed = state;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebULL;
  return mixed ^ (mixed >> 31);
}

Xoshiro256StarStar::Xoshiro256StarStar(std::uint64_t seed) {
  for (std::uint64_t &word : state_)
    word = splitMix64(seed);
}

Xoshiro256StarStar::Xoshiro256StarStar(const std::array<std::uint64_t, 4> &state)
    : state_(state) {
  if (state == std::array<std::uint64_t, 4>{})
    fail("xoshiro256** state must not be all zero (the generator would only output zeros)");
}

std::uint64_t Xoshiro256StarStar::next() {
  const std::uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t shifted = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= shifted;
  state_[3] = std::rotl(state_[3], 45);
  return result;
}

double Xoshiro256StarStar::nextDouble() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

} // namespace gpt2c
