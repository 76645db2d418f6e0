#include "PtxModule.h"

#include "gpt2c/support/Error.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace gpt2c::gpu {
namespace {

constexpr std::size_t kJitLogBytes = 16 * 1024;

std::string readText(const std::filesystem::path &file, const std::string &where) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in)
    fail("{}: cannot read", where);
  return text.str(); // the driver reads the PTX up to its terminating NUL
}

std::string firstLine(const char *log) {
  std::string text(log);
  std::size_t end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

} // namespace

PtxModule::PtxModule(const GpuDevice &device, const std::filesystem::path &file, std::string where)
    : driver_(device.driver()), where_(std::move(where)) {
  std::string ptx = readText(file, where_);
  std::vector<char> errorLog(kJitLogBytes, '\0');
  int options[] = {cuda::kJitErrorLogBuffer, cuda::kJitErrorLogBufferSizeBytes};
  void *values[] = {errorLog.data(), reinterpret_cast<void *>(std::uintptr_t(errorLog.size()))};
  cuda::Result result =
      driver_.api().cuModuleLoadDataEx(&module_, ptx.c_str(), 2, options, values);
  if (result != cuda::kSuccess) {
    errorLog.back() = '\0';
    std::string log = firstLine(errorLog.data());
    fail("{}: the CUDA driver cannot compile the PTX for {}: {}{}{}", where_, device.label(),
         driver_.describe(result), log.empty() ? "" : ": ", log);
  }
}

PtxModule::~PtxModule() {
  if (module_)
    driver_.api().cuModuleUnload(module_);
}

cuda::Function PtxModule::kernel(const std::string &name, const std::string &user) const {
  cuda::Function function = nullptr;
  cuda::Result result = driver_.api().cuModuleGetFunction(&function, module_, name.c_str());
  if (result == cuda::kErrorNotFound)
    fail("{}: no kernel {} ({})", where_, name, user);
  driver_.check(result, fmt::format("{}: kernel {} ({})", where_, name, user));
  return function;
}

} // namespace gpt2c::gpu
