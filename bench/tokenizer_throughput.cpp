// Single-thread encoding throughput of the GPT-2 tokenizer on the WikiText-2 raw
// test split, read as bytes (CRLF kept).
//
//   bench_tokenizer [runs] [shared dir]
//
// The shared directory defaults to $GPT2C_SHARED_DIR, then to the build's ../shared.
// The first run starts with an empty word cache; later runs find it warm.
#include "gpt2c/support/Error.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

fs::path sharedDirectory(int argc, char **argv) {
  if (argc > 2)
    return argv[2];
  if (const char *fromEnvironment = std::getenv("GPT2C_SHARED_DIR"))
    return fromEnvironment;
  return GPT2C_DEFAULT_SHARED_DIR;
}

std::string readBytes(const fs::path &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    gpt2c::fail("{}: cannot open", path.string());
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

int run(int argc, char **argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10;
  const fs::path shared = sharedDirectory(argc, argv);
  const fs::path textPath = shared / "data" / "wikitext-2-raw-test.txt";
  const std::string text = readBytes(textPath);
  const gpt2c::Tokenizer tokenizer = gpt2c::Tokenizer::fromDirectory(shared / "tokenizer" / "gpt2");

  std::vector<double> megabytesPerSecond;
  std::size_t tokenCount = 0;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<std::int32_t> ids = tokenizer.encode(text);
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    tokenCount = ids.size();
    megabytesPerSecond.push_back(double(text.size()) / 1e6 / seconds.count());
  }
  const double first = megabytesPerSecond.front();
  std::sort(megabytesPerSecond.begin(), megabytesPerSecond.end());
  const double best = megabytesPerSecond.back();
  const double median = megabytesPerSecond[megabytesPerSecond.size() / 2];

  fmt::print("file: {} ({} bytes)\n", textPath.filename().string(), text.size());
  fmt::print("tokens: {}\n", tokenCount);
  fmt::print("runs: {} (one thread)\n", runs);
  fmt::print("first run (cold cache): {:.1f} MB/s\n", first);
  fmt::print("best: {:.1f} MB/s\n", best);
  fmt::print("median: {:.1f} MB/s\n", median);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &error) {
    fmt::print(stderr, "bench_tokenizer: {}\n", error.what());
    return 1;
  }
}
