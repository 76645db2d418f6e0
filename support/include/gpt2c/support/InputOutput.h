#pragma once
// Files and token-id lists as the command-line tools read and write them.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c {

// The bytes of `path`, as they are.
std::string readFileBytes(const std::string &path);
// "1,2,3" or "1 2 3" -> ids; `option` names the source in errors.
std::vector<std::int32_t> parseIdList(const std::string &text, const std::string &option);
// Non-empty lines of `path`, without line ends.
std::vector<std::string> readLines(const std::string &path);
// Raw little-endian float32, written beside `path` and renamed into place, so a
// failure never leaves a partial file.
void writeFloats(const std::string &path, std::span<const float> values);
// `bytes` as the whole of `path`, likewise renamed into place.
void writeFileBytes(const std::string &path, std::string_view bytes);

} // namespace gpt2c
