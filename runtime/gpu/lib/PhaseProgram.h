#pragma once
// One phase of a launch plan bound to device memory: each launch's kernel resolved
// in the phase's module and its arguments turned into device addresses once, so
// that a step only computes the grids and enqueues the kernels.
#include "PtxModule.h"

#include "gpt2c/artifact/LaunchPlan.h"

#include <cstdint>
#include <vector>

namespace gpt2c::gpu {

// Where each kind of kernel argument points (LAUNCH_PLAN.md's table).
struct ArgumentAddresses {
  cuda::DevicePointer params = 0, ids = 0, weights = 0, scratch = 0, keys = 0, values = 0,
                      logits = 0, counters = 0;
  std::uint64_t cacheLayerBytes = 0;       // layer l's cache at keys/values + l * this
  std::vector<std::uint64_t> slotOffsets;  // weight slot i at weights + slotOffsets[i]
};

class PhaseProgram {
public:
  // Resolves the kernels of `plan` (the manifest phase `phase`) in `module` and
  // raises the dynamic shared memory limit of those that need more than 48 KiB.
  // With `dependentLaunch` every launch allows programmatic stream serialization:
  // it may start before the launch before it has finished (its kernel waits).
  PhaseProgram(const GpuDevice &device, const PtxModule &module, const std::string &phase,
               const artifact::PhasePlan &plan, const ArgumentAddresses &addresses,
               bool dependentLaunch);

  // Enqueues every launch, in order, for a step of `batch` sequences of `tokens`
  // tokens. Throws naming the launch that the driver refused.
  void enqueue(cuda::Stream stream, std::int64_t batch, std::int64_t tokens) const;

private:
  struct BoundLaunch {
    artifact::Launch launch;
    cuda::Function function = nullptr;
    std::vector<cuda::DevicePointer> arguments;
    std::vector<void *> argumentPointers; // into `arguments`, as cuLaunchKernelEx takes them
    std::string label;                    // "decode launch 3 (kernel k3_attention)"
  };

  const CudaDriver &driver_;
  std::string where_;
  std::vector<BoundLaunch> launches_;
  bool dependentLaunch_;
};

} // namespace gpt2c::gpu
