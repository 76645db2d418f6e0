#pragma once
// Reader for the safetensors format: an 8-byte little-endian header length, a JSON
// header mapping tensor names to dtype, shape and [begin, end) byte offsets, then
// the data. Every offset is validated before any tensor is handed out; the data is
// never copied.
#include "gpt2c/checkpoint/DType.h"
#include "gpt2c/support/MappedFile.h"

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace gpt2c {

struct SafeTensorEntry {
  std::string name;
  DType dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0; // relative to the start of the data section
  std::uint64_t end = 0;
  std::span<const std::uint8_t> bytes; // points into the mapped file
  std::int64_t elementCount() const;
};

// Headers larger than this are refused before they are parsed.
inline constexpr std::uint64_t kMaxSafeTensorsHeaderBytes = 100u << 20;

class SafeTensorsFile {
public:
  // Maps and validates `path`. Throws gpt2c::Error naming the file (and the tensor).
  static std::shared_ptr<SafeTensorsFile> open(const std::string &path);
  // Validates an in-memory image; `where` names it in errors. `contents` must outlive the result.
  static SafeTensorsFile parse(std::span<const std::uint8_t> contents, std::string where);

  const std::string &where() const { return where_; }
  const std::map<std::string, SafeTensorEntry> &tensors() const { return tensors_; }
  const SafeTensorEntry *find(const std::string &name) const;
  const std::map<std::string, std::string> &metadata() const { return metadata_; }

private:
  std::string where_;
  std::unique_ptr<MappedFile> mapping_; // null for in-memory images
  std::map<std::string, SafeTensorEntry> tensors_;
  std::map<std::string, std::string> metadata_;
};

} // namespace gpt2c
