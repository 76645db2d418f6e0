#include "MergeTable.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace gpt2c::bpe {

void MergeTable::reserve(std::size_t count) {
  // At most half full keeps linear probe sequences short.
  std::size_t capacity = std::bit_ceil(std::max<std::size_t>(2 * count, 16));
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  shift_ = 64 - std::countr_zero(capacity);
  size_ = 0;
}

bool MergeTable::insert(std::int32_t left, std::int32_t right, MergeResult result) {
  if (2 * (size_ + 1) > slots_.size())
    throw std::logic_error("MergeTable::insert past its reserved size");
  const std::uint64_t key = pairKey(left, right);
  for (std::size_t slot = slotOf(key);; slot = (slot + 1) & mask_) {
    Slot &entry = slots_[slot];
    if (entry.key == key)
      return false;
    if (entry.key == kEmptyKey) {
      entry = {key, result};
      ++size_;
      return true;
    }
  }
}

} // namespace gpt2c::bpe
