#pragma once
// Buffer sizes from manifest numbers (batch, heads, capacity, ...), which come
// from a file: a product that overflows is an error, never a small allocation.
#include "gpt2c/support/Error.h"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace gpt2c {

// a * b * ...; throws "WHERE: the WHAT would not fit in memory" on overflow.
inline std::size_t checkedProduct(std::initializer_list<std::int64_t> factors,
                                  const std::string &where, const char *what) {
  std::size_t product = 1;
  for (std::int64_t factor : factors)
    if (factor < 0 || __builtin_mul_overflow(product, std::size_t(factor), &product))
      fail("{}: the {} would not fit in memory", where, what);
  return product;
}

} // namespace gpt2c
