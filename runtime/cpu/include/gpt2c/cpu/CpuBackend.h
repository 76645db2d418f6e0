#pragma once
// The executor of compiled x86 artifacts: loads the phase libraries of an artifact
// and runs them on its packed weights, with KV caches, scratch and logits buffers
// it owns. How forward() maps onto the phases: CompiledBackend.h.
#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/runtime/CompiledBackend.h"

#include <filesystem>
#include <memory>
#include <string>

namespace gpt2c::cpu {

class CpuBackend final : public CompiledBackend {
public:
  // Opens the artifact (Artifact::open checks it; a target other than x86-* is
  // refused first), loads its libraries and installs the process thread pool
  // (ThreadPool::global(), sized beforehand with ThreadPool::setDefaultThreads) in
  // each. Throws gpt2c::Error.
  explicit CpuBackend(const std::filesystem::path &directory,
                      const artifact::OpenOptions &options = {});
  explicit CpuBackend(artifact::Artifact artifact);
  ~CpuBackend() override;

  // "cpu x86-avx512 artifact NAME, SOURCE".
  std::string describe() const override;

private:
  struct State;
  void runPhase(const PhaseStep &step) override;

  std::unique_ptr<State> state_;
};

} // namespace gpt2c::cpu
