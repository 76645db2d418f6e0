// What kernels mode and tune mode share: reading a spec file and turning one of
// its entries into a kernel definition through the function of its kind.
#include "Kernels.h"

#include <fstream>
#include <functional>
#include <map>

namespace gpt2c::halide {

namespace {

using Definer = std::function<KernelDefinition(KernelSpec &, const Halide::Target &)>;

const std::map<std::string, Definer> &kinds() {
  static const std::map<std::string, Definer> table = {
      {"embed", defineEmbed},
      {"layer_norm", defineLayerNorm},
      {"fused_linear", defineFusedLinear},
      {"qkv_scatter", defineQkvScatter},
      {"attention", defineAttention},
      {"lm_head", defineLmHead},
  };
  return table;
}

bool isCIdentifier(const std::string &name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

} // namespace

std::vector<Halide::Argument> KernelDefinition::arguments() const {
  std::vector<Halide::Argument> result;
  for (const KernelInput &input : inputs)
    result.push_back(input.argument);
  return result;
}

KernelDefinition defineKernel(const nlohmann::json &entry, const std::string &where,
                              const Halide::Target &target) {
  if (!entry.is_object())
    throw SpecError(where + ": must be a JSON object");
  if (!entry.contains("name") || !entry.at("name").is_string())
    throw SpecError(where + ": \"name\" must be a string");
  std::string name = entry.at("name").get<std::string>();
  if (!isCIdentifier(name))
    throw SpecError(where + ": name '" + name + "' is not a C identifier");
  if (!entry.contains("kind") || !entry.at("kind").is_string())
    throw SpecError("kernel '" + name + "': \"kind\" must be a string");
  std::string kind = entry.at("kind").get<std::string>();
  auto definer = kinds().find(kind);
  if (definer == kinds().end())
    throw SpecError("kernel '" + name + "': unknown kind '" + kind +
                    "' (expected embed, layer_norm, fused_linear, qkv_scatter, attention "
                    "or lm_head)");
  KernelSpec kernel(entry, name, kind);
  return definer->second(kernel, target);
}

nlohmann::json readSpecFile(const std::string &path) {
  std::ifstream file(path);
  if (!file)
    throw SpecError("cannot read spec '" + path + "'");
  try {
    return nlohmann::json::parse(file);
  } catch (const nlohmann::json::exception &error) {
    throw SpecError("spec '" + path + "' is not valid JSON: " + error.what());
  }
}

} // namespace gpt2c::halide
