#include "gpt2c/support/InputOutput.h"

#include "gpt2c/support/Error.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gpt2c {

std::string readFileBytes(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    fail("{}: cannot open: {}", path, std::strerror(errno));
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

std::vector<std::int32_t> parseIdList(const std::string &text, const std::string &option) {
  std::vector<std::int32_t> ids;
  const char *cursor = text.data(), *end = text.data() + text.size();
  while (cursor < end) {
    if (*cursor == ',' || *cursor == ' ') {
      ++cursor;
      continue;
    }
    std::int32_t id = 0;
    auto [next, error] = std::from_chars(cursor, end, id);
    if (error != std::errc() || next == cursor || id < 0)
      fail("{}: '{}' is not a list of non-negative token ids (e.g. 464,2068,7586)", option, text);
    ids.push_back(id);
    cursor = next;
  }
  return ids;
}

std::vector<std::string> readLines(const std::string &path) {
  std::istringstream text(readFileBytes(path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(text, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (!line.empty())
      lines.push_back(std::move(line));
  }
  return lines;
}

void writeFloats(const std::string &path, std::span<const float> values) {
  writeFileBytes(path, std::string_view(reinterpret_cast<const char *>(values.data()),
                                        values.size_bytes()));
}

void writeFileBytes(const std::string &path, std::string_view bytes) {
  std::string temporary = path + ".partial";
  std::FILE *file = std::fopen(temporary.c_str(), "wb");
  if (!file)
    fail("{}: cannot create: {}", path, std::strerror(errno));
  bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  written = std::fclose(file) == 0 && written;
  std::error_code error;
  if (written)
    std::filesystem::rename(temporary, path, error);
  if (!written || error) {
    std::remove(temporary.c_str());
    fail("{}: write failed", path);
  }
}

} // namespace gpt2c
