#pragma once
// The CPU features an artifact may require, by the names __builtin_cpu_supports
// (and GCC's and clang's -m options) use: "avx512f", "avx512bw", "fma", ...
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace gpt2c::artifact {

// Whether this CPU has `feature`; std::nullopt when the name is not one the
// runtime knows (a typo, or a feature of a newer runtime).
std::optional<bool> hostCpuSupports(std::string_view feature);

// Every name hostCpuSupports knows, for error messages.
std::vector<std::string_view> knownCpuFeatures();

// How Artifact::open asks about features; tests substitute a CPU without some.
using CpuFeatureProbe = std::function<std::optional<bool>(std::string_view)>;

} // namespace gpt2c::artifact
