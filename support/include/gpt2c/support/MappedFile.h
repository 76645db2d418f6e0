#pragma once
// A read-only memory mapping of a whole file. Weights are read through mappings so
// that a checkpoint is never copied whole into memory.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace gpt2c {

class MappedFile {
public:
  // Maps `path`; throws gpt2c::Error naming the file when it cannot be opened or mapped.
  explicit MappedFile(std::string path);
  ~MappedFile();
  MappedFile(MappedFile &&other) noexcept;
  MappedFile &operator=(MappedFile &&other) noexcept;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  const std::string &path() const { return path_; }

private:
  void release();

  std::string path_;
  const std::uint8_t *data_ = nullptr;
  std::size_t size_ = 0;
};

} // namespace gpt2c
