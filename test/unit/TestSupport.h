#pragma once
// Helpers shared by the unit tests: the reference-data directory and scratch files.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace gpt2c::test {

// ../shared: $GPT2C_SHARED_DIR when set, else the directory the build was
// configured with; throws when it is missing, since CI always provides it.
std::filesystem::path sharedDir();

// A fresh directory under the system temporary directory, removed by the destructor.
class ScratchDir {
public:
  ScratchDir();
  ~ScratchDir();
  const std::filesystem::path &path() const { return path_; }
  std::filesystem::path file(const std::string &name) const { return path_ / name; }
  void write(const std::string &name, const std::string &contents) const;
  void write(const std::string &name, const std::vector<std::uint8_t> &contents) const;

private:
  std::filesystem::path path_;
};

std::string readFile(const std::filesystem::path &path);

} // namespace gpt2c::test
