#include "Vocabulary.h"

#include "ByteLevel.h"

#include "gpt2c/support/Error.h"

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <unordered_map>

namespace gpt2c::bpe {

namespace fs = std::filesystem;

namespace {

std::string readWholeFile(const fs::path &path, std::string_view role) {
  if (!fs::exists(path))
    fail("{}: missing file ({})", path.string(), role);
  std::ifstream file(path, std::ios::binary);
  if (!file)
    fail("{}: cannot open", path.string());
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// Special tokens are written like <|endoftext|>.
bool looksSpecial(std::string_view spelling) {
  return spelling.size() > 4 && spelling.starts_with("<|") && spelling.ends_with("|>");
}

// A token of vocab.json while the vocabulary is being put together.
struct VocabEntry {
  std::string spelling;
  std::optional<std::string> bytes; // nullopt: not in the byte-level alphabet
  bool isByte = false;              // a single-byte token
  bool producedByMerge = false;
};

} // namespace

struct Vocabulary::Builder {
  std::string vocabPath;
  std::string mergesPath;
  std::vector<VocabEntry> entries; // by id
  std::unordered_map<std::string, std::int32_t> idOfSpelling;
  Vocabulary vocabulary;

  void readVocab() {
    std::string text = readWholeFile(vocabPath, "a GPT-2 tokenizer needs vocab.json");
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception &error) {
      fail("{}: malformed JSON: {}", vocabPath, error.what());
    }
    if (!json.is_object() || json.empty())
      fail("{}: expected a non-empty JSON object mapping token spellings to ids", vocabPath);

    entries.resize(json.size());
    std::vector<bool> seen(json.size(), false);
    for (const auto &[spelling, value] : json.items()) {
      if (spelling.empty())
        fail("{}: a token has an empty spelling", vocabPath);
      if (!value.is_number_integer())
        fail("{}: token \"{}\" has id {}, not an integer", vocabPath, spelling, value.dump());
      const auto id = value.get<std::int64_t>();
      if (id < 0 || id >= std::int64_t(json.size()))
        fail("{}: token \"{}\" has id {}; ids must run from 0 to {} without gaps", vocabPath,
             spelling, id, json.size() - 1);
      if (seen[id])
        fail("{}: tokens \"{}\" and \"{}\" share id {}", vocabPath, entries[id].spelling, spelling,
             id);
      seen[id] = true;
      VocabEntry &entry = entries[id];
      entry.spelling = spelling;
      entry.bytes = spellingToBytes(spelling);
      entry.isByte = entry.bytes && entry.bytes->size() == 1;
      idOfSpelling.emplace(spelling, std::int32_t(id));
    }
  }

  void findByteTokens() {
    for (int byte = 0; byte < 256; ++byte) {
      std::string spelling = bytesToSpelling(std::string(1, char(byte)));
      auto found = idOfSpelling.find(spelling);
      if (found == idOfSpelling.end())
        fail("{}: no token for byte 0x{:02X} (spelled \"{}\"); a byte-level vocabulary has all "
             "256",
             vocabPath, byte, spelling);
      vocabulary.byteTokens_[byte] = found->second;
    }
  }

  std::int32_t byteLevelId(std::string_view spelling, std::size_t lineNumber) {
    auto found = idOfSpelling.find(std::string(spelling));
    if (found == idOfSpelling.end())
      fail("{}:{}: token \"{}\" is not in {}", mergesPath, lineNumber, spelling,
           fs::path(vocabPath).filename().string());
    if (!entries[found->second].bytes)
      fail("{}:{}: token \"{}\" is not written in GPT-2's byte alphabet", mergesPath, lineNumber,
           spelling);
    return found->second;
  }

  void readMerges() {
    std::string text = readWholeFile(mergesPath, "a GPT-2 tokenizer needs merges.txt");
    std::vector<std::string_view> lines;
    for (std::size_t begin = 0; begin <= text.size();) {
      std::size_t end = std::min(text.find('\n', begin), text.size());
      lines.push_back(std::string_view(text).substr(begin, end - begin));
      begin = end + 1;
    }
    vocabulary.merges_.reserve(lines.size());

    std::uint32_t rank = 0;
    for (std::size_t index = 0; index < lines.size(); ++index) {
      std::string_view line = lines[index];
      const std::size_t lineNumber = index + 1;
      if (line.ends_with('\r'))
        line.remove_suffix(1);
      if (line.empty() || (index == 0 && line.starts_with("#version")))
        continue;
      const std::size_t space = line.find(' ');
      if (space == 0 || space == std::string_view::npos || space + 1 == line.size() ||
          line.find(' ', space + 1) != std::string_view::npos)
        fail("{}:{}: expected two token spellings separated by one space, got \"{}\"", mergesPath,
             lineNumber, line);
      std::string_view leftSpelling = line.substr(0, space);
      std::string_view rightSpelling = line.substr(space + 1);
      const std::int32_t left = byteLevelId(leftSpelling, lineNumber);
      const std::int32_t right = byteLevelId(rightSpelling, lineNumber);
      const std::int32_t merged =
          byteLevelId(std::string(leftSpelling) + std::string(rightSpelling), lineNumber);
      // A repeated pair keeps its first, lowest rank.
      if (vocabulary.merges_.insert(left, right, {rank, merged}))
        ++rank;
      entries[merged].producedByMerge = true;
    }
  }

  void storeTokens() {
    for (std::int32_t id = 0; id < std::int32_t(entries.size()); ++id) {
      VocabEntry &entry = entries[id];
      const bool reachable = entry.isByte || entry.producedByMerge;
      if (!reachable && looksSpecial(entry.spelling)) {
        vocabulary.specialTokens_.push_back({entry.spelling, id});
        entry.bytes = entry.spelling; // special tokens decode to their text
      } else if (!entry.bytes) {
        fail("{}: token \"{}\" (id {}) is not written in GPT-2's byte alphabet", vocabPath,
             entry.spelling, id);
      }
      vocabulary.offsets_.push_back(std::uint32_t(vocabulary.bytes_.size()));
      vocabulary.bytes_ += *entry.bytes;
    }
    vocabulary.offsets_.push_back(std::uint32_t(vocabulary.bytes_.size()));
  }
};

Vocabulary Vocabulary::load(const fs::path &vocabJson, const fs::path &mergesTxt) {
  Builder builder{vocabJson.string(), mergesTxt.string(), {}, {}, {}};
  builder.readVocab();
  builder.findByteTokens();
  builder.readMerges();
  builder.storeTokens();
  return std::move(builder.vocabulary);
}

} // namespace gpt2c::bpe
