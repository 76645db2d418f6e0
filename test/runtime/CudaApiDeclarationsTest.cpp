// The GPU executor declares the CUDA driver API it uses itself (CudaApi.h), so
// that it builds without the toolkit. Where the toolkit is installed, this checks
// at compile time that the values it relies on are cuda.h's.
#include "CudaApi.h"

#include <cuda.h>
#include <gtest/gtest.h>

#include <cstddef>

namespace gpt2c::gpu::cuda {
namespace {

static_assert(kSuccess == CUDA_SUCCESS);
static_assert(kErrorOutOfMemory == CUDA_ERROR_OUT_OF_MEMORY);
static_assert(kErrorNoDevice == CUDA_ERROR_NO_DEVICE);
static_assert(kErrorNotFound == CUDA_ERROR_NOT_FOUND);
static_assert(kAttributeComputeCapabilityMajor == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
static_assert(kAttributeComputeCapabilityMinor == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
static_assert(kAttributeMaxSharedMemoryPerBlockOptin ==
              CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
static_assert(kFunctionAttributeMaxDynamicSharedSizeBytes ==
              CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);
static_assert(kJitErrorLogBuffer == CU_JIT_ERROR_LOG_BUFFER);
static_assert(kJitErrorLogBufferSizeBytes == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
static_assert(kStreamCaptureModeThreadLocal == CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
static_assert(kStreamNonBlocking == CU_STREAM_NON_BLOCKING);
static_assert(kLaunchAttributeProgrammaticStreamSerialization ==
              CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
static_assert(sizeof(LaunchAttribute) == sizeof(CUlaunchAttribute));
static_assert(offsetof(LaunchAttribute, value) == offsetof(CUlaunchAttribute, value));
static_assert(offsetof(LaunchAttribute, value.programmaticStreamSerializationAllowed) ==
              offsetof(CUlaunchAttribute, value.programmaticStreamSerializationAllowed));
static_assert(sizeof(LaunchConfig) == sizeof(CUlaunchConfig));
static_assert(offsetof(LaunchConfig, sharedMemBytes) == offsetof(CUlaunchConfig, sharedMemBytes));
static_assert(offsetof(LaunchConfig, hStream) == offsetof(CUlaunchConfig, hStream));
static_assert(offsetof(LaunchConfig, attrs) == offsetof(CUlaunchConfig, attrs));
static_assert(offsetof(LaunchConfig, numAttrs) == offsetof(CUlaunchConfig, numAttrs));
static_assert(sizeof(DevicePointer) == sizeof(CUdeviceptr));
static_assert(sizeof(Device) == sizeof(CUdevice));
static_assert(sizeof(Result) == sizeof(CUresult));

TEST(CudaApiDeclarations, MatchCudaHeader) { SUCCEED() << "checked at compile time"; }

} // namespace
} // namespace gpt2c::gpu::cuda
