#include "Spec.h"

namespace gpt2c::halide {

namespace {

const nlohmann::json &emptyObject() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}

} // namespace

SpecObject::SpecObject(const nlohmann::json &object, std::string kernelName, std::string what)
    : object_(object), kernelName_(std::move(kernelName)), what_(std::move(what)) {
  if (!object_.is_object())
    failKernel(what_ == "parameter" ? "entry must be a JSON object"
                                    : "\"schedule\" must be a JSON object");
}

bool SpecObject::has(const std::string &key) const { return object_.contains(key); }

const nlohmann::json &SpecObject::field(const std::string &key) {
  read_.insert(key);
  auto found = object_.find(key);
  if (found == object_.end())
    fail(key, "is missing");
  return *found;
}

std::int64_t SpecObject::requireInt(const std::string &key) {
  const nlohmann::json &value = field(key);
  if (!value.is_number_integer())
    fail(key, "must be an integer");
  return value.get<std::int64_t>();
}

std::int64_t SpecObject::optionalInt(const std::string &key, std::int64_t fallback) {
  return has(key) ? requireInt(key) : fallback;
}

double SpecObject::requireNumber(const std::string &key) {
  const nlohmann::json &value = field(key);
  if (!value.is_number())
    fail(key, "must be a number");
  return value.get<double>();
}

bool SpecObject::requireBool(const std::string &key) {
  const nlohmann::json &value = field(key);
  if (!value.is_boolean())
    fail(key, "must be true or false");
  return value.get<bool>();
}

bool SpecObject::optionalBool(const std::string &key, bool fallback) {
  return has(key) ? requireBool(key) : fallback;
}

std::string SpecObject::requireString(const std::string &key) {
  const nlohmann::json &value = field(key);
  if (!value.is_string())
    fail(key, "must be a string");
  return value.get<std::string>();
}

int SpecObject::requireSize(const std::string &key) {
  std::int64_t value = requireInt(key);
  if (value < 1 || value > (std::int64_t(1) << 24))
    fail(key, "must be in [1, 16777216], got " + std::to_string(value));
  return static_cast<int>(value);
}

std::string SpecObject::optionalString(const std::string &key, const std::string &fallback) {
  return has(key) ? requireString(key) : fallback;
}

std::int64_t SpecObject::intInRange(const std::string &key, std::int64_t fallback,
                                    std::int64_t low, std::int64_t high) {
  std::int64_t value = optionalInt(key, fallback);
  if (value < low || value > high)
    fail(key, "must be in [" + std::to_string(low) + ", " + std::to_string(high) + "], got " +
                  std::to_string(value));
  return value;
}

void SpecObject::rejectUnknownFields() const {
  for (const auto &item : object_.items())
    if (!read_.count(item.key()))
      failKernel("unknown " + what_ + " '" + item.key() + "'");
}

void SpecObject::fail(const std::string &key, const std::string &problem) const {
  failKernel(what_ + " '" + key + "' " + problem);
}

void SpecObject::failKernel(const std::string &problem) const {
  throw SpecError("kernel '" + kernelName_ + "': " + problem);
}

KernelSpec::KernelSpec(const nlohmann::json &entry, const std::string &name,
                       const std::string &kind)
    : name(name), kind(kind), params(entry, name, "parameter"),
      schedule(entry.contains("schedule") ? entry.at("schedule") : emptyObject(), name,
               "schedule field") {
  // The fields that are not parameters.
  for (const char *key : {"name", "kind", "schedule"})
    params.accept(key);
}

WeightType parseWeightType(SpecObject &params, const std::string &key) {
  std::string name = params.requireString(key);
  if (name == "f32")
    return WeightType::F32;
  if (name == "bf16")
    return WeightType::BF16;
  if (name == "f16")
    return WeightType::F16;
  if (name == "int8")
    return WeightType::Int8;
  params.fail(key, "must be one of f32, bf16, f16, int8, got '" + name + "'");
}

} // namespace gpt2c::halide
