#pragma once
// One PTX file of an artifact, loaded with cuModuleLoadData(Ex): the driver
// translates the PTX for the GPU at hand (no nvcc or NVRTC at run time), and its
// error log says why when it cannot.
#include "DeviceResources.h"

#include <filesystem>
#include <string>

namespace gpt2c::gpu {

class PtxModule {
public:
  // `where` prefixes errors ("artifact X: decode.ptx").
  PtxModule(const GpuDevice &device, const std::filesystem::path &file, std::string where);
  ~PtxModule();
  PtxModule(const PtxModule &) = delete;
  PtxModule &operator=(const PtxModule &) = delete;

  // The kernel `.entry name`; throws "WHERE: no kernel NAME (USER)" when missing.
  cuda::Function kernel(const std::string &name, const std::string &user) const;
  const std::string &where() const { return where_; }

private:
  const CudaDriver &driver_;
  std::string where_;
  cuda::Module module_ = nullptr;
};

} // namespace gpt2c::gpu
