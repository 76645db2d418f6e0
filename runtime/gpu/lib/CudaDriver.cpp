#include "CudaDriver.h"

#include "gpt2c/support/Error.h"

#include <dlfcn.h>

#include <memory>
#include <mutex>

namespace gpt2c::gpu {
namespace {

// The driver's soname; "libcuda.so" (the development link) where only it exists.
constexpr const char *kLibraryNames[] = {"libcuda.so.1", "libcuda.so"};

template <typename Function>
void resolve(void *handle, const std::string &library, Function &function, const char *symbol) {
  function = reinterpret_cast<Function>(dlsym(handle, symbol));
  if (!function)
    fail("{} has no entry point {} (an NVIDIA driver too old for this runtime)", library, symbol);
}

} // namespace

CudaDriver::CudaDriver() {
  std::string firstError;
  for (const char *name : kLibraryNames) {
    handle_ = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (handle_) {
      libraryName_ = name;
      break;
    }
    if (firstError.empty())
      firstError = dlerror();
  }
  if (!handle_)
    fail("cannot load {} ({})", kLibraryNames[0], firstError);

  cuda::DriverApi &api = api_;
#define GPT2C_RESOLVE(entry) resolve(handle_, libraryName_, api.entry, #entry)
  GPT2C_RESOLVE(cuInit);
  GPT2C_RESOLVE(cuDriverGetVersion);
  GPT2C_RESOLVE(cuDeviceGetCount);
  GPT2C_RESOLVE(cuDeviceGet);
  GPT2C_RESOLVE(cuDeviceGetAttribute);
  GPT2C_RESOLVE(cuDeviceGetName);
  GPT2C_RESOLVE(cuDevicePrimaryCtxRetain);
  GPT2C_RESOLVE(cuDevicePrimaryCtxRelease_v2);
  GPT2C_RESOLVE(cuCtxSetCurrent);
  GPT2C_RESOLVE(cuMemGetInfo_v2);
  GPT2C_RESOLVE(cuMemAlloc_v2);
  GPT2C_RESOLVE(cuMemFree_v2);
  GPT2C_RESOLVE(cuMemAllocHost_v2);
  GPT2C_RESOLVE(cuMemFreeHost);
  GPT2C_RESOLVE(cuMemcpyHtoD_v2);
  GPT2C_RESOLVE(cuMemcpyHtoDAsync_v2);
  GPT2C_RESOLVE(cuMemcpyDtoHAsync_v2);
  GPT2C_RESOLVE(cuMemsetD8_v2);
  GPT2C_RESOLVE(cuStreamCreate);
  GPT2C_RESOLVE(cuStreamDestroy_v2);
  GPT2C_RESOLVE(cuStreamSynchronize);
  GPT2C_RESOLVE(cuModuleLoadDataEx);
  GPT2C_RESOLVE(cuModuleUnload);
  GPT2C_RESOLVE(cuModuleGetFunction);
  GPT2C_RESOLVE(cuFuncSetAttribute);
  GPT2C_RESOLVE(cuLaunchKernelEx);
  GPT2C_RESOLVE(cuStreamBeginCapture_v2);
  GPT2C_RESOLVE(cuStreamEndCapture);
  GPT2C_RESOLVE(cuGraphInstantiateWithFlags);
  GPT2C_RESOLVE(cuGraphLaunch);
  GPT2C_RESOLVE(cuGraphExecDestroy);
  GPT2C_RESOLVE(cuGraphDestroy);
  GPT2C_RESOLVE(cuGetErrorName);
  GPT2C_RESOLVE(cuGetErrorString);
#undef GPT2C_RESOLVE
  initResult_ = api.cuInit(0);
}

const CudaDriver &CudaDriver::get() {
  static std::mutex mutex;
  static std::unique_ptr<CudaDriver> driver;
  std::lock_guard lock(mutex);
  if (!driver)
    driver.reset(new CudaDriver());
  return *driver;
}

std::string CudaDriver::describe(cuda::Result result) const {
  const char *name = nullptr, *text = nullptr;
  if (api_.cuGetErrorName(result, &name) != cuda::kSuccess || !name)
    return fmt::format("CUDA error {}", result);
  if (api_.cuGetErrorString(result, &text) != cuda::kSuccess || !text)
    return name;
  return fmt::format("{} ({})", name, text);
}

void CudaDriver::check(cuda::Result result, const std::string &what) const {
  if (result != cuda::kSuccess)
    fail("{}: {}", what, describe(result));
}

} // namespace gpt2c::gpu
