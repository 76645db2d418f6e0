#include "DeviceResources.h"

#include "gpt2c/support/Error.h"

#include <array>

namespace gpt2c::gpu {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// Out of memory names what did not fit and what the GPU had left; other
// failures name the CUDA error.
[[noreturn]] void failAllocation(const GpuDevice &device, cuda::Result result, std::size_t bytes,
                                 const std::string &what, const char *memory) {
  const CudaDriver &driver = device.driver();
  if (result == cuda::kErrorOutOfMemory) {
    std::size_t free = 0, total = 0;
    if (std::string(memory) == "GPU" &&
        driver.api().cuMemGetInfo_v2(&free, &total) == cuda::kSuccess)
      fail("out of GPU memory: {} needs {:.1f} MiB; {} has {:.1f} MiB free of {:.1f} MiB", what,
           double(bytes) / kMiB, device.label(), double(free) / kMiB, double(total) / kMiB);
    fail("out of {} memory: {} needs {:.1f} MiB ({})", memory, what, double(bytes) / kMiB,
         device.label());
  }
  fail("cannot allocate {:.1f} MiB of {} memory for {} on {}: {}", double(bytes) / kMiB, memory,
       what, device.label(), driver.describe(result));
}

} // namespace

GpuDevice::GpuDevice(const CudaDriver &driver, int ordinal, const std::string &needer)
    : driver_(driver), ordinal_(ordinal) {
  const cuda::DriverApi &api = driver.api();
  if (driver.initResult() != cuda::kSuccess)
    fail("no CUDA GPU: cuInit failed with {}; {} needs an NVIDIA GPU",
         driver.describe(driver.initResult()), needer);
  int count = 0;
  driver.check(api.cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (count == 0)
    fail("no CUDA GPU: the driver sees none; {} needs an NVIDIA GPU", needer);
  if (ordinal < 0 || ordinal >= count)
    fail("GPU {} was asked for, but this machine has {} CUDA GPU{} (0 to {})", ordinal, count,
         count == 1 ? "" : "s", count - 1);
  driver.check(api.cuDeviceGet(&device_, ordinal), fmt::format("cuDeviceGet({})", ordinal));
  std::array<char, 256> name{};
  driver.check(api.cuDeviceGetName(name.data(), int(name.size()) - 1, device_),
               fmt::format("GPU {}: cuDeviceGetName", ordinal));
  name_ = name.data();
  major_ = attribute(cuda::kAttributeComputeCapabilityMajor);
  minor_ = attribute(cuda::kAttributeComputeCapabilityMinor);
  driver.check(api.cuDevicePrimaryCtxRetain(&context_, device_),
               fmt::format("{}: cannot create its CUDA context", label()));
  makeCurrent();
}

GpuDevice::~GpuDevice() {
  if (context_)
    driver_.api().cuDevicePrimaryCtxRelease_v2(device_);
}

void GpuDevice::makeCurrent() const {
  driver_.check(driver_.api().cuCtxSetCurrent(context_),
                fmt::format("{}: cannot make its CUDA context current", label()));
}

int GpuDevice::attribute(int attribute) const {
  int value = 0;
  driver_.check(driver_.api().cuDeviceGetAttribute(&value, attribute, device_),
                fmt::format("GPU {}: cuDeviceGetAttribute({})", ordinal_, attribute));
  return value;
}

std::string GpuDevice::label() const { return fmt::format("GPU {} ({})", ordinal_, name_); }

DeviceBuffer::DeviceBuffer(const GpuDevice &device, std::size_t bytes, const std::string &what)
    : driver_(&device.driver()), bytes_(bytes) {
  if (bytes == 0)
    return;
  cuda::Result result = driver_->api().cuMemAlloc_v2(&address_, bytes);
  if (result != cuda::kSuccess)
    failAllocation(device, result, bytes, what, "GPU");
}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    release();
    driver_ = other.driver_;
    address_ = std::exchange(other.address_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void DeviceBuffer::release() {
  if (address_)
    driver_->api().cuMemFree_v2(address_);
  address_ = 0;
}

PinnedBuffer::PinnedBuffer(const GpuDevice &device, std::size_t bytes, const std::string &what)
    : driver_(&device.driver()), bytes_(bytes) {
  if (bytes == 0)
    return;
  void *data = nullptr;
  cuda::Result result = driver_->api().cuMemAllocHost_v2(&data, bytes);
  if (result != cuda::kSuccess)
    failAllocation(device, result, bytes, what, "pinned host");
  data_ = static_cast<std::byte *>(data);
}

PinnedBuffer &PinnedBuffer::operator=(PinnedBuffer &&other) noexcept {
  if (this != &other) {
    release();
    driver_ = other.driver_;
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void PinnedBuffer::release() {
  if (data_)
    driver_->api().cuMemFreeHost(data_);
  data_ = nullptr;
}

DeviceStream::DeviceStream(const GpuDevice &device) : driver_(device.driver()) {
  // Non-blocking: the legacy default stream cannot be captured into a graph, and
  // this stream need not wait for other work on the device.
  driver_.check(driver_.api().cuStreamCreate(&stream_, cuda::kStreamNonBlocking),
                fmt::format("{}: cannot create a stream", device.label()));
}

DeviceStream::~DeviceStream() {
  if (stream_)
    driver_.api().cuStreamDestroy_v2(stream_);
}

} // namespace gpt2c::gpu
