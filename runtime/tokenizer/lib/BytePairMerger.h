#pragma once
// Byte pair encoding of one pre-token piece: start from the piece's single-byte
// tokens and repeatedly merge the adjacent pair of lowest rank (the leftmost one
// on a tie) until no adjacent pair has a merge.
#include "MergeTable.h"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace gpt2c::bpe {

class BytePairMerger {
public:
  // Pieces up to this many bytes merge in place in fixed arrays (a rescan per
  // merge, cheap at that size); longer ones through a priority queue.
  static constexpr std::size_t kShortPieceBytes = 64;

  BytePairMerger(const MergeTable &merges, const std::array<std::int32_t, 256> &byteTokens)
      : merges_(merges), byteTokens_(byteTokens) {}

  // Appends the tokens of `piece` to `ids`.
  void encode(std::string_view piece, std::vector<std::int32_t> &ids) const {
    if (piece.size() <= kShortPieceBytes)
      encodeShort(piece, ids);
    else
      encodeLong(piece, ids);
  }

  // Both strategies, callable directly so that tests can check they agree.
  void encodeShort(std::string_view piece, std::vector<std::int32_t> &ids) const;
  void encodeLong(std::string_view piece, std::vector<std::int32_t> &ids) const;

private:
  const MergeTable &merges_;
  const std::array<std::int32_t, 256> &byteTokens_;
};

} // namespace gpt2c::bpe
