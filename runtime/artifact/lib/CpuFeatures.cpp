#include "gpt2c/artifact/CpuFeatures.h"

#include <utility>

namespace gpt2c::artifact {
namespace {

struct Feature {
  std::string_view name;
  bool (*supported)();
};

// __builtin_cpu_supports only takes string literals, hence one function per name.
#define GPT2C_CPU_FEATURE(name)                                                                    \
  {                                                                                                \
    name, [] { return bool(__builtin_cpu_supports(name)); }                                        \
  }
constexpr Feature kFeatures[] = {
    GPT2C_CPU_FEATURE("sse2"),       GPT2C_CPU_FEATURE("sse3"),
    GPT2C_CPU_FEATURE("ssse3"),      GPT2C_CPU_FEATURE("sse4.1"),
    GPT2C_CPU_FEATURE("sse4.2"),     GPT2C_CPU_FEATURE("popcnt"),
    GPT2C_CPU_FEATURE("avx"),        GPT2C_CPU_FEATURE("avx2"),
    GPT2C_CPU_FEATURE("fma"),        GPT2C_CPU_FEATURE("f16c"),
    GPT2C_CPU_FEATURE("bmi"),        GPT2C_CPU_FEATURE("bmi2"),
    GPT2C_CPU_FEATURE("avxvnni"),    GPT2C_CPU_FEATURE("avx512f"),
    GPT2C_CPU_FEATURE("avx512bw"),   GPT2C_CPU_FEATURE("avx512vl"),
    GPT2C_CPU_FEATURE("avx512dq"),   GPT2C_CPU_FEATURE("avx512cd"),
    GPT2C_CPU_FEATURE("avx512vnni"), GPT2C_CPU_FEATURE("avx512bf16"),
    GPT2C_CPU_FEATURE("avx512fp16"), GPT2C_CPU_FEATURE("avx512vbmi"),
    GPT2C_CPU_FEATURE("avx512ifma"), GPT2C_CPU_FEATURE("amx-tile"),
    GPT2C_CPU_FEATURE("amx-int8"),   GPT2C_CPU_FEATURE("amx-bf16"),
};
#undef GPT2C_CPU_FEATURE

} // namespace

std::optional<bool> hostCpuSupports(std::string_view feature) {
  for (const Feature &known : kFeatures)
    if (known.name == feature)
      return known.supported();
  return std::nullopt;
}

std::vector<std::string_view> knownCpuFeatures() {
  std::vector<std::string_view> names;
  for (const Feature &known : kFeatures)
    names.push_back(known.name);
  return names;
}

} // namespace gpt2c::artifact
