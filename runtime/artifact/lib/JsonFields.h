#pragma once
// Strict reading of a JSON object: each field is looked up with the type and range
// it must have, and finish() refuses the fields nobody asked for, so a typo in a
// manifest is an error rather than a silently ignored setting. Errors read
// "WHERE: PATH: problem", PATH like weights.slots[3].offset.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c::artifact {

class JsonFields {
public:
  // `value` must outlive this object. `path` is empty for the document itself.
  JsonFields(const nlohmann::json &value, std::string where, std::string path);

  // Whether the field is present and not null (a null field counts as read).
  bool has(std::string_view key);
  std::string string(std::string_view key);
  std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::uint64_t unsignedInteger(std::string_view key, std::uint64_t max);
  double number(std::string_view key);
  bool boolean(std::string_view key);
  std::vector<std::string> stringArray(std::string_view key);
  // The elements as integers (any int64); the caller checks their range.
  std::vector<std::int64_t> integerArray(std::string_view key);
  JsonFields object(std::string_view key);
  // The elements of an array of objects, each as JsonFields.
  std::vector<JsonFields> objectArray(std::string_view key);
  // This object's keys, for maps whose keys are names.
  std::vector<std::string> keys() const;

  // Refuses the fields that no accessor read.
  void finish() const;

  // "PATH.key" for messages about one field's value.
  std::string pathOf(std::string_view key) const;
  const std::string &where() const { return where_; }
  [[noreturn]] void fail(std::string_view key, std::string_view problem) const;

private:
  const nlohmann::json &field(std::string_view key, bool (nlohmann::json::*isType)() const noexcept,
                              std::string_view typeName);

  const nlohmann::json &value_;
  std::string where_;
  std::string path_;
  std::set<std::string, std::less<>> read_;
};

// Parses `text` as a JSON document ("WHERE: not valid JSON: ..." otherwise).
nlohmann::json parseJsonDocument(std::string_view text, std::string_view where);

// Refuses a format version outside [oldest, newest]: "WHERE: format version 2 is
// newer than this runtime (1)", or "... 1 is not supported (this runtime reads 2;
// recompile the artifact)".
void checkFormatVersion(std::int64_t version, std::int64_t oldest, std::int64_t newest,
                        std::string_view where);

// Checks the document's "format" (it must be `name`) and "format_version"
// (checkFormatVersion), the first fields read, since another version may differ
// in any other. Returns the version.
std::int64_t checkFormat(JsonFields &root, std::string_view name, std::int64_t oldest,
                         std::int64_t newest, std::string_view where);

} // namespace gpt2c::artifact
