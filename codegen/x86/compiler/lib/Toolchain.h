#pragma once
// The helper programs and objects `gpt2c compile` runs and links, found beside the
// gpt2c executable (bin/ and lib/gpt2c/ of the build or installation).
#include <string>
#include <vector>

namespace gpt2c::x86 {

std::string halideGenerator();   // gpt2c-halide-gen ($GPT2C_HALIDE_GEN overrides)
std::string phaseSupportObject(); // phase_support.o
std::string linker();            // ld.lld of LLVM 22

// Runs `program` with `arguments`; throws gpt2c::Error naming it and its exit status.
void runTool(const std::string &program, const std::vector<std::string> &arguments);

} // namespace gpt2c::x86
