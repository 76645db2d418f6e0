#include "gpt2c/gpu/GpuBackend.h"

#include "DeviceResources.h"
#include "GraphCache.h"
#include "PhaseProgram.h"
#include "PtxModule.h"

#include "gpt2c/runtime/CheckedSize.h"
#include "gpt2c/support/Error.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

namespace gpt2c::gpu {
using artifact::Artifact;
using artifact::LogitsRows;
using artifact::Manifest;

namespace {

// The step input block: the four int32 step parameters, then the ids at an
// offset that keeps them 256-byte aligned like every other buffer.
constexpr std::size_t kIdsOffset = 256;

void requireGpu(const Manifest &manifest, const std::string &name) {
  if (!manifest.target.isGpu())
    fail("artifact {}: target {} is not a GPU target (sm_NN); the GPU executor cannot run it{}",
         name, manifest.target.name, manifest.target.isX86() ? " (the CPU executor does)" : "");
}

// Refuses another target before loading anything (packing external weights may
// take seconds).
Artifact openGpuArtifact(const std::filesystem::path &directory,
                         const artifact::OpenOptions &options) {
  requireGpu(artifact::readManifest(directory), directory.string());
  return Artifact::open(directory, options);
}

// An option, unless the environment variable `name` is "0".
bool wanted(bool option, const char *name) {
  const char *setting = std::getenv(name);
  return option && !(setting && std::string_view(setting) == "0");
}

const CudaDriver &loadDriver(const std::string &needer) {
  try {
    return CudaDriver::get();
  } catch (const Error &error) {
    fail("no CUDA driver: {}; {} needs an NVIDIA GPU", error.what(), needer);
  }
}

// The GPU that runs the artifact, its context current: refuses a machine without
// a driver or GPU, and a GPU older than the target.
std::unique_ptr<GpuDevice> openDevice(const Manifest &manifest, const std::string &name,
                                      int ordinal) {
  std::string needer = fmt::format("the {} artifact {}", manifest.target.name, name);
  const CudaDriver &driver = loadDriver(needer);
  auto device = std::make_unique<GpuDevice>(driver, ordinal, needer);
  std::optional<artifact::GpuArchitecture> architecture =
      artifact::parseGpuTarget(manifest.target.name);
  if (!architecture)
    fail("artifact {}: target {} is not a GPU target name", name, manifest.target.name);
  if (!architecture->runsOn(device->major(), device->minor()))
    fail("{} is compute capability {}.{}; artifact {} needs {}{}", device->label(),
         device->major(), device->minor(), name, manifest.target.name,
         architecture->architectureSpecific
             ? fmt::format(" (exactly {}.{})", architecture->major, architecture->minor)
             : "");
  return device;
}

} // namespace

// Declaration order is construction order: the device (and its context) first,
// released last.
struct GpuBackend::State {
  State(std::unique_ptr<GpuDevice> opened, bool graphs)
      : devicePointer(std::move(opened)), device(*devicePointer), stream(device),
        graphs(device.driver(), kMaxGraphs), graphsEnabled(graphs) {}
  ~State() {
    try {
      device.makeCurrent(); // the members below release into this context
    } catch (const Error &) {
    }
  }

  std::unique_ptr<GpuDevice> devicePointer;
  const GpuDevice &device;
  DeviceStream stream;
  DeviceBuffer weights, keys, values, scratch, counters, stepInput, logits;
  PinnedBuffer stepInputHost, logitsHost;
  std::map<std::string, std::unique_ptr<PtxModule>> modules; // by file name
  std::map<std::string, PhaseProgram> programs;              // by phase name
  GraphCache graphs;
  bool graphsEnabled;
};

GpuBackend::GpuBackend(const std::filesystem::path &directory,
                       const artifact::OpenOptions &options, const GpuOptions &gpu)
    : GpuBackend(openGpuArtifact(directory, options), gpu) {}

GpuBackend::GpuBackend(Artifact opened, const GpuOptions &gpu)
    : CompiledBackend(std::move(opened), "gpu executor") {
  const Artifact &artifact = this->artifact();
  const Manifest &manifest = artifact.manifest();
  const std::string &name = artifact.name();
  requireGpu(manifest, name);
  const artifact::LaunchPlan *plan = artifact.launchPlan();
  if (!plan) // Artifact::open parses it for every GPU target
    fail("artifact {}: no launch plan", name);
  state_ = std::make_unique<State>(openDevice(manifest, name, gpu.device),
                                   wanted(gpu.graphs, "GPT2C_GPU_GRAPHS"));
  State &s = *state_;
  const GpuDevice &device = s.device;
  const CudaDriver &driver = device.driver();

  // The weights, copied once; the host copy is no longer needed afterwards.
  std::string where = fmt::format("artifact {}", name);
  s.weights = DeviceBuffer(device, manifest.weights.bytes, fmt::format("the weights of {}", where));
  std::span<const std::byte> image = artifact.weightImage();
  driver.check(driver.api().cuMemcpyHtoD_v2(s.weights.address(), image.data(), image.size()),
               fmt::format("{}: copying the weights to {}", where, device.label()));
  mutableArtifact().releaseWeightImage();

  const artifact::KvCache &cache = manifest.kvCache;
  std::size_t layerBytes =
      checkedProduct({manifest.maxBatch, cache.heads, cache.capacity, cache.headDim,
                      std::int64_t(sizeof(float))},
                     where, "KV cache");
  std::size_t cacheBytes = checkedProduct({std::int64_t(layerBytes), cache.layers}, where,
                                          "KV cache");
  s.keys = DeviceBuffer(device, cacheBytes, fmt::format("the key cache of {}", where));
  s.values = DeviceBuffer(device, cacheBytes, fmt::format("the value cache of {}", where));
  for (const DeviceBuffer *buffer : {&s.keys, &s.values})
    driver.check(driver.api().cuMemsetD8_v2(buffer->address(), 0, buffer->size()),
                 fmt::format("{}: zeroing the KV cache", where));
  s.scratch = DeviceBuffer(device, plan->scratchBytes, fmt::format("the scratch of {}", where));
  // Zero once: the kernels that count in them leave them zero (LAUNCH_PLAN.md).
  s.counters = DeviceBuffer(device, plan->countersBytes, fmt::format("the counters of {}", where));
  if (plan->countersBytes > 0)
    driver.check(driver.api().cuMemsetD8_v2(s.counters.address(), 0, s.counters.size()),
                 fmt::format("{}: zeroing the counters", where));

  std::size_t inputBytes =
      kIdsOffset + checkedProduct({manifest.maxBatch, manifest.maxTokens,
                                   std::int64_t(sizeof(std::int32_t))},
                                  where, "token ids");
  s.stepInput = DeviceBuffer(device, inputBytes, fmt::format("the token ids of {}", where));
  s.stepInputHost = PinnedBuffer(device, inputBytes, fmt::format("the token ids of {}", where));
  bool allRows = false;
  for (const auto &[phaseName, phase] : manifest.phases)
    allRows = allRows || phase.logits == LogitsRows::All;
  std::size_t rowBytes = checkedProduct(
      {manifest.model.vocabSize, std::int64_t(sizeof(float))}, where, "logits");
  std::size_t logitsBytes = checkedProduct(
      {std::int64_t(rowBytes), manifest.maxBatch, allRows ? manifest.maxTokens : 1}, where,
      "logits");
  s.logits = DeviceBuffer(device, logitsBytes, fmt::format("the logits of {}", where));
  // Pinned staging for the rows of "last" steps (decode); the many rows of a
  // prefill or score step go straight to their destination.
  s.logitsHost = PinnedBuffer(device, checkedProduct({std::int64_t(rowBytes), manifest.maxBatch},
                                                     where, "logits"),
                              fmt::format("the logits of {}", where));

  ArgumentAddresses addresses;
  addresses.params = s.stepInput.address();
  addresses.ids = s.stepInput.address() + kIdsOffset;
  addresses.weights = s.weights.address();
  addresses.scratch = s.scratch.address();
  addresses.counters = s.counters.address();
  addresses.keys = s.keys.address();
  addresses.values = s.values.address();
  addresses.logits = s.logits.address();
  addresses.cacheLayerBytes = layerBytes;
  for (const artifact::WeightSlot &slot : manifest.weights.slots)
    addresses.slotOffsets.push_back(slot.offset);

  for (const auto &[phaseName, phase] : manifest.phases) {
    auto &module = s.modules[phase.library];
    if (!module)
      module = std::make_unique<PtxModule>(device, artifact.filePath(phase.library),
                                           fmt::format("{}: {}", where, phase.library));
    const artifact::PhasePlan &phasePlan = *plan->findPhase(manifest, phaseName);
    s.programs.try_emplace(phaseName, device, *module, phaseName, phasePlan, addresses,
                           phasePlan.dependentLaunch &&
                               wanted(gpu.dependentLaunch, "GPT2C_GPU_PDL"));
  }
}

GpuBackend::~GpuBackend() = default;

std::optional<std::string> whyGpuUnavailable(const Manifest &manifest,
                                             const std::string &artifactName, int device) {
  try {
    openDevice(manifest, artifactName, device);
  } catch (const Error &error) {
    return error.what();
  }
  return std::nullopt;
}

std::string GpuBackend::describe() const {
  const Manifest &manifest = artifact().manifest();
  return fmt::format("gpu {} artifact {} on {}{}, {}", manifest.target.name, artifact().name(),
                     state_->device.label(), state_->graphsEnabled ? "" : " without CUDA graphs",
                     manifest.modelSource);
}

bool GpuBackend::graphsEnabled() const { return state_->graphsEnabled; }
std::size_t GpuBackend::graphCount() const { return state_->graphs.size(); }

void GpuBackend::runPhase(const PhaseStep &step) {
  State &s = *state_;
  const CudaDriver &driver = s.device.driver();
  const cuda::DriverApi &api = driver.api();
  const Manifest &manifest = artifact().manifest();
  cuda::Stream stream = s.stream.get();
  try {
    s.device.makeCurrent();
    // The pinned input is free: the previous step ended with a synchronize.
    const std::int32_t params[4] = {std::int32_t(step.batch), std::int32_t(step.tokens),
                                    std::int32_t(step.past), 0};
    std::memcpy(s.stepInputHost.data(), params, sizeof params);
    std::size_t idBytes = step.ids.size_bytes();
    std::memcpy(s.stepInputHost.data() + kIdsOffset, step.ids.data(), idBytes);
    driver.check(api.cuMemcpyHtoDAsync_v2(s.stepInput.address(), s.stepInputHost.data(),
                                          kIdsOffset + idBytes, stream),
                 "copying the token ids");

    const PhaseProgram &program = s.programs.at(step.phase);
    auto enqueue = [&] { program.enqueue(stream, step.batch, step.tokens); };
    if (s.graphsEnabled)
      s.graphs.launch(step.phase, step.batch, step.tokens, stream, enqueue);
    else
      enqueue();

    std::int64_t rows = manifest.findPhase(step.phase)->logits == LogitsRows::All
                            ? step.batch * step.tokens
                            : step.batch;
    std::size_t logitsBytes = std::size_t(rows * manifest.model.vocabSize) * sizeof(float);
    bool staged = logitsBytes <= s.logitsHost.size();
    void *destination = staged ? static_cast<void *>(s.logitsHost.data()) : step.logits;
    driver.check(api.cuMemcpyDtoHAsync_v2(destination, s.logits.address(), logitsBytes, stream),
                 "copying the logits");
    driver.check(api.cuStreamSynchronize(stream), "running the kernels");
    if (staged)
      std::memcpy(step.logits, s.logitsHost.data(), logitsBytes);
  } catch (const Error &error) {
    fail("gpu executor: the {} phase of artifact {} failed on batch {}, {} tokens after {}: {}",
         step.phase, artifact().name(), step.batch, step.tokens, step.past, error.what());
  }
}

} // namespace gpt2c::gpu
