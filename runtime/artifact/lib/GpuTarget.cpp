// NVIDIA target names: "sm_" and the compute capability's two or three digits
// (major, then the minor digit), optionally "a" for architecture-specific PTX.
#include "gpt2c/artifact/Manifest.h"

#include <algorithm>
#include <cctype>

namespace gpt2c::artifact {

std::optional<GpuArchitecture> parseGpuTarget(std::string_view name) {
  if (!name.starts_with("sm_"))
    return std::nullopt;
  std::string_view digits = name.substr(3);
  GpuArchitecture architecture;
  if (digits.ends_with('a')) {
    architecture.architectureSpecific = true;
    digits.remove_suffix(1);
  }
  bool allDigits = std::all_of(digits.begin(), digits.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (digits.size() < 2 || digits.size() > 3 || !allDigits || digits[0] == '0')
    return std::nullopt;
  int number = std::stoi(std::string(digits));
  architecture.major = number / 10;
  architecture.minor = number % 10;
  return architecture;
}

bool GpuArchitecture::runsOn(int gpuMajor, int gpuMinor) const {
  if (architectureSpecific)
    return gpuMajor == major && gpuMinor == minor;
  return gpuMajor * 10 + gpuMinor >= major * 10 + minor;
}

} // namespace gpt2c::artifact
