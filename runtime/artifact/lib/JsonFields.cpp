#include "JsonFields.h"

#include "gpt2c/support/Error.h"

#include <limits>

namespace gpt2c::artifact {

JsonFields::JsonFields(const nlohmann::json &value, std::string where, std::string path)
    : value_(value), where_(std::move(where)), path_(std::move(path)) {
  if (!value_.is_object())
    gpt2c::fail("{}: {}: expected an object, got {}", where_, path_.empty() ? "document" : path_,
                value_.type_name());
}

std::string JsonFields::pathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

void JsonFields::fail(std::string_view key, std::string_view problem) const {
  gpt2c::fail("{}: {}: {}", where_, pathOf(key), problem);
}

bool JsonFields::has(std::string_view key) {
  auto found = value_.find(key);
  if (found == value_.end())
    return false;
  read_.emplace(key);
  return !found->is_null();
}

const nlohmann::json &JsonFields::field(std::string_view key,
                                        bool (nlohmann::json::*isType)() const noexcept,
                                        std::string_view typeName) {
  auto found = value_.find(key);
  if (found == value_.end())
    fail(key, "missing");
  read_.emplace(key);
  if (!((*found).*isType)())
    fail(key, fmt::format("expected {}, got {}", typeName, found->type_name()));
  return *found;
}

std::string JsonFields::string(std::string_view key) {
  return field(key, &nlohmann::json::is_string, "a string").get<std::string>();
}

std::int64_t JsonFields::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  const nlohmann::json &value = field(key, &nlohmann::json::is_number_integer, "an integer");
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(max))
    fail(key, fmt::format("{} is out of range ({} to {})", value.get<std::uint64_t>(), min, max));
  std::int64_t number = value.get<std::int64_t>();
  if (number < min || number > max)
    fail(key, fmt::format("{} is out of range ({} to {})", number, min, max));
  return number;
}

std::uint64_t JsonFields::unsignedInteger(std::string_view key, std::uint64_t max) {
  const nlohmann::json &value = field(key, &nlohmann::json::is_number_integer, "an integer");
  if (!value.is_number_unsigned())
    fail(key, fmt::format("{} is negative", value.get<std::int64_t>()));
  std::uint64_t number = value.get<std::uint64_t>();
  if (number > max)
    fail(key, fmt::format("{} is out of range (0 to {})", number, max));
  return number;
}

double JsonFields::number(std::string_view key) {
  return field(key, &nlohmann::json::is_number, "a number").get<double>();
}

bool JsonFields::boolean(std::string_view key) {
  return field(key, &nlohmann::json::is_boolean, "a boolean").get<bool>();
}

std::vector<std::string> JsonFields::stringArray(std::string_view key) {
  const nlohmann::json &array = field(key, &nlohmann::json::is_array, "an array of strings");
  std::vector<std::string> strings;
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string())
      fail(fmt::format("{}[{}]", key, i),
           fmt::format("expected a string, got {}", array[i].type_name()));
    strings.push_back(array[i].get<std::string>());
  }
  return strings;
}

std::vector<std::int64_t> JsonFields::integerArray(std::string_view key) {
  const nlohmann::json &array = field(key, &nlohmann::json::is_array, "an array of integers");
  std::vector<std::int64_t> integers;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const nlohmann::json &element = array[i];
    std::string elementKey = fmt::format("{}[{}]", key, i);
    if (!element.is_number_integer())
      fail(elementKey, fmt::format("expected an integer, got {}", element.type_name()));
    if (element.is_number_unsigned() &&
        element.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
      fail(elementKey, fmt::format("{} is too large", element.get<std::uint64_t>()));
    integers.push_back(element.get<std::int64_t>());
  }
  return integers;
}

JsonFields JsonFields::object(std::string_view key) {
  return JsonFields(field(key, &nlohmann::json::is_object, "an object"), where_, pathOf(key));
}

std::vector<JsonFields> JsonFields::objectArray(std::string_view key) {
  const nlohmann::json &array = field(key, &nlohmann::json::is_array, "an array of objects");
  std::vector<JsonFields> objects;
  for (std::size_t i = 0; i < array.size(); ++i)
    objects.emplace_back(array[i], where_, fmt::format("{}[{}]", pathOf(key), i));
  return objects;
}

std::vector<std::string> JsonFields::keys() const {
  std::vector<std::string> keys;
  for (auto item = value_.begin(); item != value_.end(); ++item)
    keys.push_back(item.key());
  return keys;
}

void JsonFields::finish() const {
  for (auto item = value_.begin(); item != value_.end(); ++item)
    if (!read_.contains(item.key()))
      gpt2c::fail("{}: {}: unknown field", where_, pathOf(item.key()));
}

nlohmann::json parseJsonDocument(std::string_view text, std::string_view where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception &error) {
    fail("{}: not valid JSON: {}", where, error.what());
  }
}

void checkFormatVersion(std::int64_t version, std::int64_t oldest, std::int64_t newest,
                        std::string_view where) {
  if (version > newest)
    fail("{}: format version {} is newer than this runtime ({})", where, version, newest);
  if (version < oldest)
    fail("{}: format version {} is not supported (this runtime reads {}; recompile the artifact)",
         where, version, oldest == newest ? fmt::format("{}", newest)
                                          : fmt::format("{} to {}", oldest, newest));
}

std::int64_t checkFormat(JsonFields &root, std::string_view name, std::int64_t oldest,
                         std::int64_t newest, std::string_view where) {
  if (std::string format = root.string("format"); format != name)
    root.fail("format", fmt::format("'{}' is not {}", format, name));
  std::int64_t version = root.integer("format_version", 1, std::numeric_limits<std::int64_t>::max());
  checkFormatVersion(version, oldest, newest, where);
  return version;
}

} // namespace gpt2c::artifact
