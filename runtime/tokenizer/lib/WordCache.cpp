#include "WordCache.h"

#include <algorithm>
#include <bit>

namespace gpt2c::bpe {

WordCache::WordCache(std::size_t slotCount)
    : slots_(std::bit_ceil(std::max<std::size_t>(slotCount, 1))), mask_(slots_.size() - 1) {}

std::uint64_t WordCache::hash(std::string_view piece) {
  // FNV-1a; folding the high half down lets every byte reach the low bits that pick
  // the slot.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char byte : piece)
    h = (h ^ static_cast<unsigned char>(byte)) * 0x100000001b3ull;
  return h ^ (h >> 32);
}

void WordCache::store(std::string_view piece, std::uint64_t pieceHash,
                      std::span<const std::int32_t> tokens) {
  Slot &slot = slots_[pieceHash & mask_];
  slot.hash = pieceHash;
  slot.piece.assign(piece);
  slot.tokens.assign(tokens.begin(), tokens.end());
}

} // namespace gpt2c::bpe
