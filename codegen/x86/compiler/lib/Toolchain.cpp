#include "gpt2c/codegen/Toolchain.h"

#include "gpt2c/support/Error.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace gpt2c::x86 {
namespace {

// The directory of the running gpt2c executable.
std::string executableDirectory() {
  static int anchor;
  std::string executable = llvm::sys::fs::getMainExecutable("gpt2c", &anchor);
  return llvm::sys::path::parent_path(executable).str();
}

std::string existing(const std::string &path, const char *what) {
  if (!llvm::sys::fs::exists(path))
    fail("{} not found at {} (rebuild gpt2c)", what, path);
  return path;
}

} // namespace

bool needsDotProducts(const nlohmann::json &generatorSpec) {
  auto dotProducts = [](const nlohmann::json &schedule) {
    std::string activations = schedule.value("activations", "");
    return activations == "int8" || activations == "bf16";
  };
  for (const nlohmann::json &kernel : generatorSpec.value("kernels", nlohmann::json::array())) {
    if (kernel.contains("schedule") && dotProducts(kernel["schedule"]))
      return true;
    for (const nlohmann::json &candidate :
         kernel.value("candidates", nlohmann::json::array())) // gpt2c tune's entries
      if (dotProducts(candidate))
        return true;
  }
  return false;
}

std::string halideTargetFor(const nlohmann::json &generatorSpec, const std::string &requested) {
  std::string target = requested.empty() ? kDefaultHalideTarget : requested;
  if (needsDotProducts(generatorSpec) && target.find("avx512_sapphirerapids") == std::string::npos)
    target += "-avx512_sapphirerapids";
  return target;
}

std::string halideGenerator() {
  if (const char *override = std::getenv("GPT2C_HALIDE_GEN"); override && *override)
    return existing(override, "the Halide kernel generator");
  return existing(executableDirectory() + "/gpt2c-halide-gen", "the Halide kernel generator");
}

std::string phaseSupportObject() {
  return existing(executableDirectory() + "/../lib/gpt2c/phase_support.o", "phase_support.o");
}

std::string linker() { return existing(GPT2C_LLD_PATH, "ld.lld (LLVM 22)"); }

void runTool(const std::string &program, const std::vector<std::string> &arguments) {
  llvm::SmallVector<llvm::StringRef> argv = {program};
  for (const std::string &argument : arguments)
    argv.push_back(argument);
  std::string error;
  int status = llvm::sys::ExecuteAndWait(program, argv, std::nullopt, {}, 0, 0, &error);
  if (status != 0)
    fail("{} failed ({}){}", llvm::sys::path::filename(program).str(),
         status < 0 ? "could not run" : "exit status " + std::to_string(status),
         error.empty() ? "" : ": " + error);
}

} // namespace gpt2c::x86
