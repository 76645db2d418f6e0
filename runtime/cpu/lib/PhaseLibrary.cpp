#include "PhaseLibrary.h"

#include "gpt2c/support/Error.h"

#include <dlfcn.h>

namespace gpt2c::cpu {
namespace {

std::string lastDlError() {
  const char *message = dlerror();
  return message ? message : "unknown error";
}

} // namespace

PhaseLibrary::PhaseLibrary(const std::filesystem::path &path, std::string where,
                           const gpt2c_parallel &parallel)
    : where_(std::move(where)) {
  // dlopen searches the library path for names without a slash: make it explicit.
  std::filesystem::path explicitPath = path.has_parent_path() ? path : "." / path;
  handle_ = dlopen(explicitPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_)
    fail("{}: cannot load: {}", where_, lastDlError());
  try {
    auto version = reinterpret_cast<int32_t (*)()>(symbol("gpt2c_abi_version"));
    if (int32_t found = version(); found != GPT2C_ABI_VERSION)
      fail("{}: phase ABI version {}, this runtime implements version {}", where_, found,
           GPT2C_ABI_VERSION);
    auto setParallel =
        reinterpret_cast<void (*)(const gpt2c_parallel *)>(symbol("gpt2c_set_parallel"));
    setParallel(&parallel);
  } catch (...) {
    dlclose(handle_);
    throw;
  }
}

PhaseLibrary::~PhaseLibrary() {
  if (handle_)
    dlclose(handle_);
}

void *PhaseLibrary::symbol(const std::string &name) const {
  dlerror(); // clear any earlier error
  void *address = dlsym(handle_, name.c_str());
  if (!address)
    fail("{}: no symbol {}: {}", where_, name, lastDlError());
  return address;
}

PhaseEntry PhaseLibrary::entry(const std::string &symbolName) const {
  return reinterpret_cast<PhaseEntry>(symbol(symbolName));
}

} // namespace gpt2c::cpu
