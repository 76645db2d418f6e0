#pragma once
// The executor of compiled GPU artifacts (targets sm_NN): copies the packed
// weights once into GPU memory, allocates the KV caches (zero-filled), scratch,
// ids, step parameters and logits there, loads each phase's PTX module through
// the CUDA driver (libcuda.so.1, opened at run time: nothing CUDA is linked) and
// replays the launch plan (runtime/artifact/LAUNCH_PLAN.md). How forward() maps
// onto the phases: CompiledBackend.h.
//
// A step writes the ids and the step parameters {batch, tokens, past, 0} with one
// asynchronous copy from pinned memory, launches the phase (by default as a CUDA
// graph captured once per phase, batch and tokens, at most kMaxGraphs kept), and
// copies the logits back; forward() returns when they are in host memory, so
// timing it measures whole steps.
#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/runtime/CompiledBackend.h"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace gpt2c::gpu {

struct GpuOptions {
  int device = 0; // the CUDA device ordinal
  // Replay each phase step as a CUDA graph; off launches kernel by kernel (for
  // debugging). The environment variable GPT2C_GPU_GRAPHS=0 turns it off too.
  bool graphs = true;
  // Let each launch start while the one before it finishes (programmatic
  // dependent launch), where the launch plan allows it (`dependent_launch`).
  // GPT2C_GPU_PDL=0 turns it off too.
  bool dependentLaunch = true;
};

class GpuBackend final : public CompiledBackend {
public:
  static constexpr std::size_t kMaxGraphs = 16;

  // Opens the artifact (a target other than sm_NN is refused before anything is
  // loaded) and sets it up on the GPU. Throws gpt2c::Error with one line: "no
  // CUDA driver: cannot load libcuda.so.1 (...); the sm_90 artifact X needs an
  // NVIDIA GPU", "GPU 0 (NAME) is compute capability 8.0; artifact X needs
  // sm_90", a PTX module the driver cannot compile (with its log's first line),
  // or the GPU memory that ran out.
  explicit GpuBackend(const std::filesystem::path &directory,
                      const artifact::OpenOptions &options = {}, const GpuOptions &gpu = {});
  explicit GpuBackend(artifact::Artifact artifact, const GpuOptions &gpu = {});
  ~GpuBackend() override;

  // "gpu sm_90 artifact NAME on GPU 0 (NVIDIA H100 80GB HBM3), SOURCE".
  std::string describe() const override;

  bool graphsEnabled() const;
  // CUDA graphs held now (at most kMaxGraphs).
  std::size_t graphCount() const;

private:
  struct State;
  void runPhase(const PhaseStep &step) override;

  std::unique_ptr<State> state_;
};

// Why this machine cannot run the GPU artifact `artifactName` on GPU `device` (no
// CUDA driver, no GPU, a compute capability below the target's), or nullopt when
// it can; loads none of the artifact.
std::optional<std::string> whyGpuUnavailable(const artifact::Manifest &manifest,
                                             const std::string &artifactName, int device = 0);

} // namespace gpt2c::gpu
