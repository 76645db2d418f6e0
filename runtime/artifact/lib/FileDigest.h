#pragma once
// SHA-256 and size of a file, read in blocks (never the whole file in memory).
#include <cstdint>
#include <filesystem>
#include <string>

namespace gpt2c::artifact {

struct FileDigest {
  std::uint64_t bytes = 0;
  std::string sha256;
};

// Throws gpt2c::Error naming the file when it cannot be read.
FileDigest digestFile(const std::filesystem::path &path);

} // namespace gpt2c::artifact
