#include "gpt2c/checkpoint/SafeTensors.h"

#include "gpt2c/support/Error.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace gpt2c {
namespace {

using Json = nlohmann::json;

std::uint64_t readLittleEndian64(const std::uint8_t *bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = (value << 8) | bytes[i];
  return value;
}

std::uint64_t offsetValue(const Json &value, const std::string &where, const std::string &name) {
  if (!value.is_number_unsigned())
    fail("{}: tensor '{}': data_offsets must be non-negative integers, got {}", where, name,
         value.dump());
  return value.get<std::uint64_t>();
}

SafeTensorEntry parseEntry(const std::string &name, const Json &value, const std::string &where) {
  if (!value.is_object())
    fail("{}: tensor '{}': header entry is not an object", where, name);
  SafeTensorEntry entry;
  entry.name = name;

  auto dtype = value.find("dtype");
  if (dtype == value.end() || !dtype->is_string())
    fail("{}: tensor '{}': missing or non-string 'dtype'", where, name);
  auto parsed = parseDType(dtype->get<std::string>());
  if (!parsed)
    fail("{}: tensor '{}': unknown dtype {}", where, name, dtype->dump());
  entry.dtype = *parsed;

  auto shape = value.find("shape");
  if (shape == value.end() || !shape->is_array())
    fail("{}: tensor '{}': missing or non-array 'shape'", where, name);
  if (shape->size() > 8)
    fail("{}: tensor '{}': rank {} is too large", where, name, shape->size());
  // Element count with overflow checks: a hostile header must not wrap around.
  std::uint64_t bytes = dtypeSize(entry.dtype);
  for (const Json &dim : *shape) {
    if (!dim.is_number_unsigned())
      fail("{}: tensor '{}': shape dimensions must be non-negative integers, got {}", where,
           name, dim.dump());
    std::uint64_t extent = dim.get<std::uint64_t>();
    if (extent > std::uint64_t(std::numeric_limits<std::int64_t>::max()) ||
        (extent != 0 && bytes > std::numeric_limits<std::uint64_t>::max() / extent))
      fail("{}: tensor '{}': shape {} overflows", where, name, shape->dump());
    bytes *= extent;
    entry.shape.push_back(static_cast<std::int64_t>(extent));
  }

  auto offsets = value.find("data_offsets");
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2)
    fail("{}: tensor '{}': 'data_offsets' must be [begin, end]", where, name);
  entry.begin = offsetValue((*offsets)[0], where, name);
  entry.end = offsetValue((*offsets)[1], where, name);
  if (entry.end < entry.begin)
    fail("{}: tensor '{}': data_offsets [{}, {}] end before they begin", where, name,
         entry.begin, entry.end);
  if (entry.end - entry.begin != bytes)
    fail("{}: tensor '{}': data_offsets [{}, {}] hold {} bytes but {} {} needs {}", where, name,
         entry.begin, entry.end, entry.end - entry.begin, dtypeName(entry.dtype),
         shape->dump(), bytes);
  return entry;
}

} // namespace

std::int64_t SafeTensorEntry::elementCount() const {
  std::int64_t count = 1;
  for (std::int64_t extent : shape)
    count *= extent;
  return count;
}

std::shared_ptr<SafeTensorsFile> SafeTensorsFile::open(const std::string &path) {
  auto mapping = std::make_unique<MappedFile>(path);
  auto file = std::make_shared<SafeTensorsFile>(parse(mapping->bytes(), path));
  file->mapping_ = std::move(mapping);
  return file;
}

SafeTensorsFile SafeTensorsFile::parse(std::span<const std::uint8_t> contents, std::string where) {
  SafeTensorsFile file;
  file.where_ = std::move(where);
  const std::string &at = file.where_;
  if (contents.size() < 8)
    fail("{}: truncated: {} bytes, shorter than the 8-byte header length", at, contents.size());
  std::uint64_t headerSize = readLittleEndian64(contents.data());
  if (headerSize > kMaxSafeTensorsHeaderBytes)
    fail("{}: header of {} bytes exceeds the {} byte limit", at, headerSize,
         kMaxSafeTensorsHeaderBytes);
  if (headerSize > contents.size() - 8)
    fail("{}: truncated: header needs {} bytes, file has {}", at, headerSize,
         contents.size() - 8);

  const char *headerBegin = reinterpret_cast<const char *>(contents.data() + 8);
  // nlohmann keeps the last of duplicate keys; a header naming a tensor twice is
  // ambiguous, so the parser callback watches the top-level keys.
  std::set<std::string> topLevelKeys;
  std::string duplicateKey;
  auto watchKeys = [&](int depth, Json::parse_event_t event, Json &parsed) {
    if (event == Json::parse_event_t::key && depth == 1 &&
        !topLevelKeys.insert(parsed.get<std::string>()).second && duplicateKey.empty())
      duplicateKey = parsed.get<std::string>();
    return true;
  };
  Json header = Json::parse(headerBegin, headerBegin + headerSize, watchKeys,
                            /*allow_exceptions=*/false);
  if (header.is_discarded())
    fail("{}: malformed header JSON", at);
  if (!duplicateKey.empty())
    fail("{}: tensor '{}' appears twice in the header", at, duplicateKey);
  if (!header.is_object())
    fail("{}: header JSON is not an object", at);

  std::span<const std::uint8_t> data = contents.subspan(8 + headerSize);
  std::vector<const SafeTensorEntry *> byOffset;
  for (auto &[name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object())
        fail("{}: '__metadata__' is not an object", at);
      for (auto &[key, text] : value.items()) {
        if (!text.is_string())
          fail("{}: '__metadata__' value for '{}' is not a string", at, key);
        file.metadata_[key] = text.get<std::string>();
      }
      continue;
    }
    SafeTensorEntry entry = parseEntry(name, value, at);
    if (entry.end > data.size())
      fail("{}: tensor '{}': data_offsets [{}, {}] exceed the {} bytes of data (truncated file?)",
           at, name, entry.begin, entry.end, data.size());
    entry.bytes = data.subspan(entry.begin, entry.end - entry.begin);
    auto it = file.tensors_.emplace(name, std::move(entry)).first;
    byOffset.push_back(&it->second);
  }

  std::sort(byOffset.begin(), byOffset.end(), [](const auto *a, const auto *b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  for (std::size_t i = 1; i < byOffset.size(); ++i) {
    const SafeTensorEntry &previous = *byOffset[i - 1], &current = *byOffset[i];
    if (current.begin < previous.end)
      fail("{}: tensor '{}': data_offsets [{}, {}] overlap tensor '{}' at [{}, {}]", at,
           current.name, current.begin, current.end, previous.name, previous.begin,
           previous.end);
  }
  return file;
}

const SafeTensorEntry *SafeTensorsFile::find(const std::string &name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

} // namespace gpt2c
