#pragma once
// Remembers the tokens of recently encoded pieces. Text repeats its words, and a
// hash plus a compare is cheaper than merging again. Direct-mapped: a new piece
// takes the place of the one in its slot, so the cache never grows or evicts in bulk.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c::bpe {

class WordCache {
public:
  // Pieces longer than this are rare and are not cached.
  static constexpr std::size_t kMaxPieceBytes = 32;

  explicit WordCache(std::size_t slotCount = 8192);

  static std::uint64_t hash(std::string_view piece);

  // The tokens stored for `piece` (whose hash is `pieceHash`), or nullptr.
  const std::vector<std::int32_t> *find(std::string_view piece, std::uint64_t pieceHash) const {
    const Slot &slot = slots_[pieceHash & mask_];
    if (slot.hash == pieceHash && slot.piece == piece)
      return &slot.tokens;
    return nullptr;
  }

  void store(std::string_view piece, std::uint64_t pieceHash, std::span<const std::int32_t> tokens);

private:
  struct Slot {
    std::uint64_t hash = 0;
    std::string piece; // empty: unused (empty pieces are never stored)
    std::vector<std::int32_t> tokens;
  };
  std::vector<Slot> slots_;
  std::size_t mask_;
};

} // namespace gpt2c::bpe
