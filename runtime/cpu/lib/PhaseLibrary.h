#pragma once
// One phase library of an artifact, loaded with dlopen(RTLD_NOW | RTLD_LOCAL):
// every undefined symbol is resolved (or refused) at load time, and the symbols
// of one artifact's libraries never satisfy those of another's.
#include "gpt2c/abi/PhaseAbi.h"

#include <filesystem>
#include <string>

namespace gpt2c::cpu {

using PhaseEntry = int32_t (*)(const gpt2c_step_args *);

class PhaseLibrary {
public:
  // Loads `path`, checks gpt2c_abi_version and installs `parallel` through
  // gpt2c_set_parallel. `where` prefixes errors ("artifact X: prefill.so").
  PhaseLibrary(const std::filesystem::path &path, std::string where,
               const gpt2c_parallel &parallel);
  ~PhaseLibrary();
  PhaseLibrary(const PhaseLibrary &) = delete;
  PhaseLibrary &operator=(const PhaseLibrary &) = delete;

  // The gpt2c_run_<phase> function called `symbol`; throws when it is missing.
  PhaseEntry entry(const std::string &symbol) const;

private:
  void *symbol(const std::string &name) const;

  void *handle_ = nullptr;
  std::string where_;
};

} // namespace gpt2c::cpu
