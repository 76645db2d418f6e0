#include "PhaseProgram.h"

#include "gpt2c/support/Error.h"

namespace gpt2c::gpu {
namespace {

using artifact::ArgKind;

// The CUDA limits of a grid: 2^31 - 1 blocks along x, 65535 along y and z.
constexpr std::int64_t kMaxGrid[3] = {(std::int64_t(1) << 31) - 1, 65535, 65535};

cuda::DevicePointer addressOf(const artifact::KernelArg &arg, const ArgumentAddresses &at) {
  switch (arg.kind) {
  case ArgKind::Params:
    return at.params;
  case ArgKind::Ids:
    return at.ids;
  case ArgKind::Weight:
    return at.weights + at.slotOffsets.at(std::size_t(arg.slot));
  case ArgKind::Scratch:
    return at.scratch + arg.offset;
  case ArgKind::Cache:
    return (arg.which == artifact::CacheWhich::Key ? at.keys : at.values) +
           std::uint64_t(arg.layer) * at.cacheLayerBytes;
  case ArgKind::Logits:
    return at.logits;
  case ArgKind::Counters:
    return at.counters + arg.offset;
  }
  return 0;
}

} // namespace

PhaseProgram::PhaseProgram(const GpuDevice &device, const PtxModule &module,
                           const std::string &phase, const artifact::PhasePlan &plan,
                           const ArgumentAddresses &addresses, bool dependentLaunch)
    : driver_(device.driver()), where_(module.where()), dependentLaunch_(dependentLaunch) {
  launches_.resize(plan.launches.size());
  int maxShared = -1; // the device's opt-in limit, asked for once when needed
  for (std::size_t i = 0; i < plan.launches.size(); ++i) {
    BoundLaunch &bound = launches_[i];
    bound.launch = plan.launches[i];
    bound.label = fmt::format("{} launch {} (kernel {})", phase, i, bound.launch.kernel);
    bound.function = module.kernel(bound.launch.kernel,
                                   fmt::format("launch plan phases.{}.launches[{}]", phase, i));
    if (bound.launch.sharedBytes > artifact::kDefaultSharedBytes) {
      if (maxShared < 0)
        maxShared = device.attribute(cuda::kAttributeMaxSharedMemoryPerBlockOptin);
      if (bound.launch.sharedBytes > std::uint64_t(maxShared))
        fail("{}: {} asks for {} bytes of dynamic shared memory; {} allows at most {}", where_,
             bound.label, bound.launch.sharedBytes, device.label(), maxShared);
      driver_.check(driver_.api().cuFuncSetAttribute(
                        bound.function, cuda::kFunctionAttributeMaxDynamicSharedSizeBytes,
                        int(bound.launch.sharedBytes)),
                    fmt::format("{}: {}: cannot allow {} bytes of dynamic shared memory", where_,
                                bound.label, bound.launch.sharedBytes));
    }
    for (const artifact::KernelArg &arg : bound.launch.args)
      bound.arguments.push_back(addressOf(arg, addresses));
    for (cuda::DevicePointer &argument : bound.arguments)
      bound.argumentPointers.push_back(&argument);
  }
}

void PhaseProgram::enqueue(cuda::Stream stream, std::int64_t batch, std::int64_t tokens) const {
  for (const BoundLaunch &bound : launches_) {
    std::int64_t grid[3];
    for (int d = 0; d < 3; ++d) {
      grid[d] = bound.launch.grid[d].blocks(batch, tokens);
      if (grid[d] > kMaxGrid[d])
        fail("{}: {}: {} blocks along grid dimension {} exceed the CUDA limit {}", where_,
             bound.label, grid[d], d, kMaxGrid[d]);
    }
    const auto &block = bound.launch.block;
    void **parameters = const_cast<void **>(bound.argumentPointers.data());
    cuda::LaunchAttribute overlap{};
    overlap.id = cuda::kLaunchAttributeProgrammaticStreamSerialization;
    overlap.value.programmaticStreamSerializationAllowed = 1;
    cuda::LaunchConfig config{unsigned(grid[0]),  unsigned(grid[1]),  unsigned(grid[2]),
                              unsigned(block[0]), unsigned(block[1]), unsigned(block[2]),
                              unsigned(bound.launch.sharedBytes),
                              stream,
                              &overlap,
                              dependentLaunch_ ? 1u : 0u};
    cuda::Result result =
        driver_.api().cuLaunchKernelEx(&config, bound.function, parameters, nullptr);
    driver_.check(result, fmt::format("{}: {}: grid {} x {} x {}, block {} x {} x {}", where_,
                                      bound.label, grid[0], grid[1], grid[2], block[0], block[1],
                                      block[2]));
  }
}

} // namespace gpt2c::gpu
