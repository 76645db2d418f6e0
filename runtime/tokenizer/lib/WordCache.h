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
  // Room for the distinct words of a long document (WikiText-2's test split has
  // about 21,000) with few collisions: 64 bytes a slot, 4 MiB in all, plus the
  // pieces and tokens that do not fit inline.
  static constexpr std::size_t kDefaultSlots = 65536;

  explicit WordCache(std::size_t slotCount = kDefaultSlots);

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
