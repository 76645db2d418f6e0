#pragma once
// The contents of vocab.json and merges.txt, checked against each other and turned
// into what encoding and decoding need: each token's bytes, the token of each single
// byte, merge ranks by token pair, and the special tokens.
#include "MergeTable.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c::bpe {

struct SpecialToken {
  std::string text;
  std::int32_t id;
};

class Vocabulary {
public:
  // Throws gpt2c::Error naming the file (and line) that is missing or malformed.
  static Vocabulary load(const std::filesystem::path &vocabJson,
                         const std::filesystem::path &mergesTxt);

  std::int32_t size() const { return std::int32_t(offsets_.size() - 1); }
  // The bytes of token `id`, which must be in [0, size()).
  std::string_view tokenBytes(std::int32_t id) const {
    return std::string_view(bytes_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  const std::array<std::int32_t, 256> &byteTokens() const { return byteTokens_; }
  const MergeTable &merges() const { return merges_; }
  const std::vector<SpecialToken> &specialTokens() const { return specialTokens_; }

private:
  struct Builder;

  std::string bytes_;                 // every token's bytes, back to back
  std::vector<std::uint32_t> offsets_; // token id -> start in bytes_; one past the end last
  std::array<std::int32_t, 256> byteTokens_{};
  MergeTable merges_;
  std::vector<SpecialToken> specialTokens_;
};

} // namespace gpt2c::bpe
