#include "gpt2c/runtime/OpenArtifact.h"

#include "gpt2c/cpu/CpuBackend.h"
#include "gpt2c/support/Error.h"

namespace gpt2c {
namespace {

[[noreturn]] void failUnknownTarget(const artifact::Manifest &manifest, const std::string &name) {
  fail("artifact {}: target {} has no executor in this runtime (x86-* runs on the CPU, sm_NN on "
       "NVIDIA GPUs)",
       name, manifest.target.name);
}

} // namespace

std::unique_ptr<CompiledBackend> openArtifactBackend(const std::filesystem::path &directory,
                                                     const ExecutorOptions &options) {
  artifact::Manifest manifest = artifact::readManifest(directory);
  if (manifest.target.isX86())
    return std::make_unique<cpu::CpuBackend>(directory, options.open);
  if (manifest.target.isGpu())
    return std::make_unique<gpu::GpuBackend>(directory, options.open, options.gpu);
  failUnknownTarget(manifest, directory.string());
}

std::unique_ptr<CompiledBackend> openArtifactBackend(artifact::Artifact artifact,
                                                     const gpu::GpuOptions &gpu) {
  const artifact::Target &target = artifact.manifest().target;
  if (target.isX86())
    return std::make_unique<cpu::CpuBackend>(std::move(artifact));
  if (target.isGpu())
    return std::make_unique<gpu::GpuBackend>(std::move(artifact), gpu);
  failUnknownTarget(artifact.manifest(), artifact.name());
}

} // namespace gpt2c
