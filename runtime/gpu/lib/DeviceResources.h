#pragma once
// The CUDA objects the GPU executor owns, each released by its destructor: the
// device's primary context, device buffers, pinned host buffers and a stream.
// Every one assumes the device's context is current (GpuDevice::makeCurrent).
#include "CudaDriver.h"

#include <cstddef>
#include <string>
#include <utility>

namespace gpt2c::gpu {

class GpuDevice {
public:
  // Retains the primary context of GPU `ordinal` and makes it current. `needer`
  // says who needs the GPU in errors ("the sm_90 artifact X"): "no CUDA GPU: ...;
  // the sm_90 artifact X needs an NVIDIA GPU".
  GpuDevice(const CudaDriver &driver, int ordinal, const std::string &needer);
  ~GpuDevice();
  GpuDevice(const GpuDevice &) = delete;
  GpuDevice &operator=(const GpuDevice &) = delete;

  void makeCurrent() const;
  int ordinal() const { return ordinal_; }
  const std::string &name() const { return name_; }
  int major() const { return major_; }
  int minor() const { return minor_; }
  int attribute(int attribute) const;
  // "GPU 0 (NVIDIA H100 80GB HBM3)"
  std::string label() const;
  const CudaDriver &driver() const { return driver_; }

private:
  const CudaDriver &driver_;
  int ordinal_ = 0;
  cuda::Device device_ = 0;
  cuda::Context context_ = nullptr;
  std::string name_;
  int major_ = 0, minor_ = 0;
};

// Device memory; a zero-byte buffer allocates nothing and has address 0.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  // Throws "out of GPU memory: WHAT needs N MiB; GPU 0 (NAME) has M MiB free of T".
  DeviceBuffer(const GpuDevice &device, std::size_t bytes, const std::string &what);
  ~DeviceBuffer() { release(); }
  DeviceBuffer(DeviceBuffer &&other) noexcept { *this = std::move(other); }
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;

  cuda::DevicePointer address() const { return address_; }
  std::size_t size() const { return bytes_; }

private:
  void release();
  const CudaDriver *driver_ = nullptr;
  cuda::DevicePointer address_ = 0;
  std::size_t bytes_ = 0;
};

// Page-locked host memory: what asynchronous copies need to stay asynchronous.
class PinnedBuffer {
public:
  PinnedBuffer() = default;
  PinnedBuffer(const GpuDevice &device, std::size_t bytes, const std::string &what);
  ~PinnedBuffer() { release(); }
  PinnedBuffer(PinnedBuffer &&other) noexcept { *this = std::move(other); }
  PinnedBuffer &operator=(PinnedBuffer &&other) noexcept;

  std::byte *data() const { return data_; }
  std::size_t size() const { return bytes_; }

private:
  void release();
  const CudaDriver *driver_ = nullptr;
  std::byte *data_ = nullptr;
  std::size_t bytes_ = 0;
};

class DeviceStream {
public:
  explicit DeviceStream(const GpuDevice &device);
  ~DeviceStream();
  DeviceStream(const DeviceStream &) = delete;
  DeviceStream &operator=(const DeviceStream &) = delete;
  cuda::Stream get() const { return stream_; }

private:
  const CudaDriver &driver_;
  cuda::Stream stream_ = nullptr;
};

} // namespace gpt2c::gpu
