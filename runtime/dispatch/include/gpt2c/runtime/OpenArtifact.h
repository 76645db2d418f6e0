#pragma once
// One entry point for tools: a compiled artifact on the executor of its target.
#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/gpu/GpuBackend.h"
#include "gpt2c/runtime/CompiledBackend.h"

#include <filesystem>
#include <memory>

namespace gpt2c {

struct ExecutorOptions {
  artifact::OpenOptions open;
  gpu::GpuOptions gpu; // for sm_NN targets
};

// The artifact at `directory` on the CPU executor (targets x86-*) or the GPU
// executor (targets sm_NN), chosen by its manifest's target before anything is
// loaded. Throws gpt2c::Error, e.g. "artifact X: target T has no executor in
// this runtime (x86-* runs on the CPU, sm_NN on NVIDIA GPUs)".
std::unique_ptr<CompiledBackend> openArtifactBackend(const std::filesystem::path &directory,
                                                     const ExecutorOptions &options = {});
// The same for an artifact already opened (gpt2c-run verify).
std::unique_ptr<CompiledBackend> openArtifactBackend(artifact::Artifact artifact,
                                                     const gpu::GpuOptions &gpu = {});

} // namespace gpt2c
