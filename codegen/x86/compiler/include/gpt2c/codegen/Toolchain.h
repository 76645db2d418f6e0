#pragma once
// The helper programs and objects `gpt2c compile` runs and links, found beside the
// gpt2c executable (bin/ and lib/gpt2c/ of the build or installation).
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace gpt2c::x86 {

// The Halide target of the x86 kernels: AVX-512 as the artifact's manifest requires
// it (avx512 f/bw/vl/dq, fma), without Halide's run-time assertions.
inline constexpr const char *kDefaultHalideTarget =
    "x86-64-linux-sse41-avx-avx2-fma-f16c-avx512-avx512_skylake-no_asserts";

// Kernels with int8 or bf16 activations ("activations": "int8" | "bf16") are VNNI
// or bf16 dot products: the Halide target gains avx512_sapphirerapids and the
// artifact requires avx512vnni and avx512bf16 (Halide's feature enables both in LLVM).
bool needsDotProducts(const nlohmann::json &generatorSpec);
// `requested` (empty: kDefaultHalideTarget), with the features `generatorSpec` needs.
std::string halideTargetFor(const nlohmann::json &generatorSpec, const std::string &requested);
// The CPU features dot-product kernels add to an artifact's requirements
// (__builtin_cpu_supports names).
inline const std::vector<std::string> kDotProductCpuFeatures = {"avx512vnni", "avx512bf16"};

std::string halideGenerator();   // gpt2c-halide-gen ($GPT2C_HALIDE_GEN overrides)
std::string phaseSupportObject(); // phase_support.o
std::string linker();            // ld.lld of LLVM 22

// Runs `program` with `arguments`; throws gpt2c::Error naming it and its exit status.
void runTool(const std::string &program, const std::vector<std::string> &arguments);

} // namespace gpt2c::x86
