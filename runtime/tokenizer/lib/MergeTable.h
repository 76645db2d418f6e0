#pragma once
// Merge ranks keyed on a pair of token ids, in an open-addressing hash table:
// BPE looks a pair up for every adjacent pair it considers, so this lookup is the
// encoder's inner loop.
#include <cstdint>
#include <limits>
#include <vector>

namespace gpt2c::bpe {

struct MergeResult {
  std::uint32_t rank;  // line order in merges.txt: lower merges first
  std::int32_t merged; // the id of the merged token
};

inline constexpr std::uint32_t kNoMerge = std::numeric_limits<std::uint32_t>::max();

class MergeTable {
public:
  // Sizes the table for `count` merges; call once, before any insert.
  void reserve(std::size_t count);
  // Adds a merge unless the pair already has one; returns whether it was added.
  bool insert(std::int32_t left, std::int32_t right, MergeResult result);
  // The merge of the pair, or {kNoMerge, -1}.
  MergeResult find(std::int32_t left, std::int32_t right) const {
    const std::uint64_t key = pairKey(left, right);
    for (std::size_t slot = slotOf(key);; slot = (slot + 1) & mask_) {
      const Slot &entry = slots_[slot];
      if (entry.key == key)
        return entry.result;
      if (entry.key == kEmptyKey)
        return {kNoMerge, -1};
    }
  }
  std::size_t size() const { return size_; }

private:
  // Ids are non-negative, so no pair's key has its top bit set.
  static constexpr std::uint64_t kEmptyKey = ~std::uint64_t{0};
  struct Slot {
    std::uint64_t key = kEmptyKey;
    MergeResult result{kNoMerge, -1};
  };

  static std::uint64_t pairKey(std::int32_t left, std::int32_t right) {
    return std::uint64_t(std::uint32_t(left)) << 32 | std::uint32_t(right);
  }
  std::size_t slotOf(std::uint64_t key) const {
    return std::size_t((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  std::vector<Slot> slots_ = std::vector<Slot>(2);
  std::size_t mask_ = 1;
  int shift_ = 63;
  std::size_t size_ = 0;
};

} // namespace gpt2c::bpe
