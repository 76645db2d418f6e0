#include "TokenizerTestSupport.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace gpt2c::test {

std::vector<GoldenCase> goldenCases() {
  auto json = nlohmann::json::parse(readFile(sharedDir() / "golden" / "tokenizer-golden.json"));
  std::vector<GoldenCase> cases;
  for (const auto &entry : json.at("cases"))
    cases.push_back({entry.at("text").get<std::string>(),
                     entry.at("ids").get<std::vector<std::int32_t>>()});
  return cases;
}

std::vector<std::int32_t> wikiText2GoldenIds() {
  std::string bytes = readFile(sharedDir() / "golden" / "tokenizer-wikitext2-test.u16");
  if (bytes.size() % 2 != 0)
    throw std::runtime_error("tokenizer-wikitext2-test.u16 has an odd number of bytes");
  std::vector<std::int32_t> ids(bytes.size() / 2);
  for (std::size_t i = 0; i < ids.size(); ++i)
    ids[i] = static_cast<unsigned char>(bytes[2 * i]) |
             static_cast<unsigned char>(bytes[2 * i + 1]) << 8; // little-endian
  return ids;
}

std::string wikiText2Bytes() {
  return readFile(sharedDir() / "data" / "wikitext-2-raw-test.txt");
}

} // namespace gpt2c::test
