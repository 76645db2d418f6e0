#include "FileDigest.h"

#include "gpt2c/support/Error.h"
#include "gpt2c/support/Sha256.h"

#include <fstream>
#include <vector>

namespace gpt2c::artifact {

FileDigest digestFile(const std::filesystem::path &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    fail("{}: cannot open", path.string());
  Sha256 hash;
  FileDigest digest;
  std::vector<char> block(1 << 20);
  while (file) {
    file.read(block.data(), std::streamsize(block.size()));
    std::streamsize got = file.gcount();
    hash.update({reinterpret_cast<const std::uint8_t *>(block.data()), std::size_t(got)});
    digest.bytes += std::uint64_t(got);
  }
  if (file.bad())
    fail("{}: read error", path.string());
  digest.sha256 = hash.hexDigest();
  return digest;
}

} // namespace gpt2c::artifact
