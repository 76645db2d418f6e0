#pragma once
// The few types, constants and entry points of the CUDA driver API (cuda.h) that
// the GPU executor uses, declared here so that the runtime builds without the CUDA
// toolkit; libcuda.so.1 is opened at run time (CudaDriver). Names and values are
// those of the CUDA driver API; test/gpu/CudaApiDeclarationsTest.cpp compares them
// with cuda.h where the toolkit is installed.
#include <cstddef>
#include <cstdint>

namespace gpt2c::gpu::cuda {

// CUresult, CUdevice, CUdeviceptr and the opaque handles.
using Result = int;
using Device = int;
using DevicePointer = unsigned long long;
using Context = struct CUctx_st *;
using Module = struct CUmod_st *;
using Function = struct CUfunc_st *;
using Stream = struct CUstream_st *;
using Graph = struct CUgraph_st *;
using GraphExec = struct CUgraphExec_st *;

// CUresult values the executor tells apart.
inline constexpr Result kSuccess = 0;              // CUDA_SUCCESS
inline constexpr Result kErrorOutOfMemory = 2;     // CUDA_ERROR_OUT_OF_MEMORY
inline constexpr Result kErrorNoDevice = 100;      // CUDA_ERROR_NO_DEVICE
inline constexpr Result kErrorNotFound = 500;      // CUDA_ERROR_NOT_FOUND

// CUdevice_attribute
inline constexpr int kAttributeComputeCapabilityMajor = 75; // ..._COMPUTE_CAPABILITY_MAJOR
inline constexpr int kAttributeComputeCapabilityMinor = 76; // ..._COMPUTE_CAPABILITY_MINOR
inline constexpr int kAttributeMaxSharedMemoryPerBlockOptin = 97; // ..._PER_BLOCK_OPTIN
// CUfunction_attribute: CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
inline constexpr int kFunctionAttributeMaxDynamicSharedSizeBytes = 8;
// CUjit_option
inline constexpr int kJitErrorLogBuffer = 5;             // CU_JIT_ERROR_LOG_BUFFER
inline constexpr int kJitErrorLogBufferSizeBytes = 6;    // CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
// CUstreamCaptureMode: CU_STREAM_CAPTURE_MODE_THREAD_LOCAL
inline constexpr int kStreamCaptureModeThreadLocal = 1;
// CUstream_flags: CU_STREAM_NON_BLOCKING
inline constexpr unsigned kStreamNonBlocking = 1;

// CUlaunchAttributeID: CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION
inline constexpr int kLaunchAttributeProgrammaticStreamSerialization = 6;

// CUlaunchAttribute: an id, padding to 8 bytes, a 64-byte union of values (the
// int `programmaticStreamSerializationAllowed` among them).
struct LaunchAttribute {
  int id;
  char pad[8 - sizeof(int)];
  union {
    char bytes[64];
    int programmaticStreamSerializationAllowed;
  } value;
};

// CUlaunchConfig
struct LaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  Stream hStream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
};

// The entry points, by the symbol libcuda exports (the _v2 names are what cuda.h
// maps cuMemAlloc, cuMemcpyHtoD, ... to).
struct DriverApi {
  Result (*cuInit)(unsigned flags);
  Result (*cuDriverGetVersion)(int *version);
  Result (*cuDeviceGetCount)(int *count);
  Result (*cuDeviceGet)(Device *device, int ordinal);
  Result (*cuDeviceGetAttribute)(int *value, int attribute, Device device);
  Result (*cuDeviceGetName)(char *name, int length, Device device);
  Result (*cuDevicePrimaryCtxRetain)(Context *context, Device device);
  Result (*cuDevicePrimaryCtxRelease_v2)(Device device);
  Result (*cuCtxSetCurrent)(Context context);
  Result (*cuMemGetInfo_v2)(std::size_t *free, std::size_t *total);
  Result (*cuMemAlloc_v2)(DevicePointer *pointer, std::size_t bytes);
  Result (*cuMemFree_v2)(DevicePointer pointer);
  Result (*cuMemAllocHost_v2)(void **pointer, std::size_t bytes);
  Result (*cuMemFreeHost)(void *pointer);
  Result (*cuMemcpyHtoD_v2)(DevicePointer to, const void *from, std::size_t bytes);
  Result (*cuMemcpyHtoDAsync_v2)(DevicePointer to, const void *from, std::size_t bytes,
                                 Stream stream);
  Result (*cuMemcpyDtoHAsync_v2)(void *to, DevicePointer from, std::size_t bytes, Stream stream);
  Result (*cuMemsetD8_v2)(DevicePointer to, unsigned char value, std::size_t bytes);
  Result (*cuStreamCreate)(Stream *stream, unsigned flags);
  Result (*cuStreamDestroy_v2)(Stream stream);
  Result (*cuStreamSynchronize)(Stream stream);
  Result (*cuModuleLoadDataEx)(Module *module, const void *image, unsigned optionCount,
                               int *options, void **optionValues);
  Result (*cuModuleUnload)(Module module);
  Result (*cuModuleGetFunction)(Function *function, Module module, const char *name);
  Result (*cuFuncSetAttribute)(Function function, int attribute, int value);
  Result (*cuLaunchKernelEx)(const LaunchConfig *config, Function function, void **parameters,
                             void **extra);
  Result (*cuStreamBeginCapture_v2)(Stream stream, int mode);
  Result (*cuStreamEndCapture)(Stream stream, Graph *graph);
  Result (*cuGraphInstantiateWithFlags)(GraphExec *exec, Graph graph, unsigned long long flags);
  Result (*cuGraphLaunch)(GraphExec exec, Stream stream);
  Result (*cuGraphExecDestroy)(GraphExec exec);
  Result (*cuGraphDestroy)(Graph graph);
  Result (*cuGetErrorName)(Result error, const char **name);
  Result (*cuGetErrorString)(Result error, const char **text);
};

} // namespace gpt2c::gpu::cuda
