#include "TestSupport.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace gpt2c::test {

std::filesystem::path sharedDir() {
  // The environment wins: a test binary carried to another machine (the GPU
  // machine's gpu_device_tests) finds the data there, not where it was built.
  const char *dir = std::getenv("GPT2C_SHARED_DIR");
#ifdef GPT2C_DEFAULT_SHARED_DIR
  if (!dir || !*dir)
    dir = GPT2C_DEFAULT_SHARED_DIR;
#endif
  if (!dir || !std::filesystem::is_directory(dir))
    throw std::runtime_error("GPT2C_SHARED_DIR does not name the ../shared reference directory");
  return dir;
}

ScratchDir::ScratchDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("gpt2c-test-" + std::to_string(random()) + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void ScratchDir::write(const std::string &name, const std::string &contents) const {
  std::ofstream out(path_ / name, std::ios::binary);
  out << contents;
}

void ScratchDir::write(const std::string &name, const std::vector<std::uint8_t> &contents) const {
  std::ofstream out(path_ / name, std::ios::binary);
  out.write(reinterpret_cast<const char *>(contents.data()), std::streamsize(contents.size()));
}

std::string readFile(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace gpt2c::test
