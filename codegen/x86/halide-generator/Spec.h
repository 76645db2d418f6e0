#pragma once
// Typed, strict reading of one kernel entry of a SPEC.json (see ../KERNELS.md).
// Every failure is a SpecError whose message is one line naming the kernel and
// the field, e.g. "kernel 'fc1': schedule field 'tile_n' must be a multiple of 16".
#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>

namespace gpt2c::halide {

struct SpecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A JSON object whose fields are read by name and type. Fields that were never
// read are reported by rejectUnknownFields(), so a misspelt field is an error
// rather than a silently applied default.
class SpecObject {
public:
  // `what` names the object in messages: "parameter" or "schedule field".
  SpecObject(const nlohmann::json &object, std::string kernelName, std::string what);

  bool has(const std::string &key) const;
  // Marks a field as known without reading it.
  void accept(const std::string &key) { read_.insert(key); }
  std::int64_t requireInt(const std::string &key);
  std::int64_t optionalInt(const std::string &key, std::int64_t fallback);
  double requireNumber(const std::string &key);
  bool requireBool(const std::string &key);
  bool optionalBool(const std::string &key, bool fallback);
  std::string requireString(const std::string &key);
  // A positive size (a model dimension), small enough for Halide's 32-bit indexing.
  int requireSize(const std::string &key);
  std::string optionalString(const std::string &key, const std::string &fallback);

  // An integer field that must lie in [low, high].
  std::int64_t intInRange(const std::string &key, std::int64_t fallback, std::int64_t low,
                          std::int64_t high);

  void rejectUnknownFields() const;
  [[noreturn]] void fail(const std::string &key, const std::string &problem) const;
  [[noreturn]] void failKernel(const std::string &problem) const;

private:
  const nlohmann::json &field(const std::string &key);

  const nlohmann::json &object_;
  std::string kernelName_, what_;
  std::set<std::string> read_;
};

// One entry of "kernels": its name (the C symbol), kind, parameters (the entry's
// other fields) and schedule (the "schedule" object, empty when absent).
struct KernelSpec {
  std::string name, kind;
  SpecObject params, schedule;

  KernelSpec(const nlohmann::json &entry, const std::string &name, const std::string &kind);
};

// The weight storage of KERNELS.md ("dtype").
enum class WeightType { F32, BF16, F16, Int8 };
WeightType parseWeightType(SpecObject &params, const std::string &key);

} // namespace gpt2c::halide
