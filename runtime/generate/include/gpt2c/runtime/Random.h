#pragma once
// The pseudo-random generator of sampling: xoshiro256** 1.0 (Blackman and Vigna),
// seeded through SplitMix64. Both are a few lines of fixed integer arithmetic, so
// a seed gives the same draws on every platform and standard library, which
// std::mt19937 plus std::*_distribution does not promise.
#include <array>
#include <cstdint>

namespace gpt2c {

// One step of SplitMix64: advances `state` and returns the next output.
std::uint64_t splitMix64(std::uint64_t &state);

class Xoshiro256StarStar {
public:
  // The state is four consecutive SplitMix64 outputs starting from `seed`, as the
  // xoshiro authors recommend (never all zero).
  explicit Xoshiro256StarStar(std::uint64_t seed);
  // Exactly this state; it must not be all zero.
  explicit Xoshiro256StarStar(const std::array<std::uint64_t, 4> &state);

  std::uint64_t next();
  // Uniform in [0, 1): the top 53 bits of next() times 2^-53.
  double nextDouble();

private:
  std::array<std::uint64_t, 4> state_;
};

} // namespace gpt2c
