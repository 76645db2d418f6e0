#pragma once
// libcuda.so.1 opened with dlopen and its entry points resolved once per process,
// so that the runtime links no CUDA library and runs (refusing GPU artifacts) on
// machines without one.
#include "CudaApi.h"

#include <string>

namespace gpt2c::gpu {

class CudaDriver {
public:
  // The process's driver: loaded and initialised (cuInit) on the first call.
  // Throws gpt2c::Error "cannot load libcuda.so.1 (REASON)" when there is none,
  // or naming the entry point an old driver lacks. A failed load is retried at
  // the next call.
  static const CudaDriver &get();

  const cuda::DriverApi &api() const { return api_; }
  // What cuInit returned: kErrorNoDevice on a machine without a GPU.
  cuda::Result initResult() const { return initResult_; }
  // The library that was loaded ("libcuda.so.1").
  const std::string &libraryName() const { return libraryName_; }

  // "CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
  std::string describe(cuda::Result result) const;
  // Throws gpt2c::Error "WHAT: CUDA_ERROR_... (text)" unless `result` is success.
  void check(cuda::Result result, const std::string &what) const;

private:
  CudaDriver();
  CudaDriver(const CudaDriver &) = delete;
  CudaDriver &operator=(const CudaDriver &) = delete;

  void *handle_ = nullptr; // never closed: the driver stays for the process
  std::string libraryName_;
  cuda::DriverApi api_{};
  cuda::Result initResult_ = cuda::kSuccess;
};

} // namespace gpt2c::gpu
