#pragma once
// A zero-filled heap block with a given alignment (KV caches, scratch, weights
// packed at load time): what kernels expect of their buffers.
#include "gpt2c/support/Error.h"

#include <cstddef>
#include <cstring>
#include <new>
#include <utility>

namespace gpt2c::artifact {

class AlignedBuffer {
public:
  AlignedBuffer() = default;
  // Throws gpt2c::Error naming `what` when the memory cannot be had.
  AlignedBuffer(std::size_t bytes, std::size_t alignment, const char *what)
      : bytes_(bytes), alignment_(alignment) {
    if (bytes == 0)
      return;
    data_ =
        static_cast<std::byte *>(::operator new(bytes, std::align_val_t(alignment), std::nothrow));
    if (!data_)
      fail("cannot allocate {} bytes for {}", bytes, what);
    std::memset(data_, 0, bytes);
  }
  ~AlignedBuffer() { release(); }
  AlignedBuffer(AlignedBuffer &&other) noexcept { *this = std::move(other); }
  AlignedBuffer &operator=(AlignedBuffer &&other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
      alignment_ = other.alignment_;
    }
    return *this;
  }
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;

  std::byte *data() const { return data_; }
  std::size_t size() const { return bytes_; }
  void zero() {
    if (data_)
      std::memset(data_, 0, bytes_);
  }

private:
  void release() {
    if (data_)
      ::operator delete(data_, std::align_val_t(alignment_));
    data_ = nullptr;
  }

  std::byte *data_ = nullptr;
  std::size_t bytes_ = 0;
  std::size_t alignment_ = 64;
};

} // namespace gpt2c::artifact
