#pragma once
// Runs the launch plans of an sm_90 compilation on the CPU, each kernel replaced by
// its reference semantics (codegen/ptx/KERNELS.md) in float32, with the bf16/f16
// rounding of the tensor-core inputs. It checks what the planner decides (which
// kernel runs on which buffers, scratch placement and reuse, weight slots and
// layouts, cache writes, the phase mapping) without a GPU; the kernels themselves
// are checked on the GPU (bench/gpu/kernel_check*.py, gpu_device_tests).
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/codegen/ptx/LaunchPlanner.h"
#include "gpt2c/runtime/Backend.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gpt2c::test {

class PtxPlanEmulator final : public Backend {
public:
  // Imports `model`, runs the compile pipeline for sm_90 with `weights` storage and
  // plans every phase (batch 1, the whole context per prefill).
  PtxPlanEmulator(const std::string &model, const std::string &weights);
  ~PtxPlanEmulator() override;

  const ModelConfig &config() const override { return store_->config(); }
  std::string describe() const override { return "sm_90 launch plans emulated on the CPU"; }
  void reset() override { past_ = 0; }
  std::int64_t pastLength() const override { return past_; }
  // A new sequence runs prefill (score with allPositions), every later token decode.
  std::vector<float> forward(std::span<const std::int32_t> tokens,
                             bool allPositions = false) override;

private:
  struct Slot {
    PackingRecipe recipe;
    std::vector<float> values; // the packed layout, widened to float32
    std::vector<std::int64_t> shape; // the checkpoint's shape
  };
  void runPhase(const std::string &phase, std::span<const std::int32_t> ids);
  void runLaunch(const nlohmann::json &launch, std::span<const std::int32_t> ids);
  float *pointer(const nlohmann::json &argument);
  const Slot &slot(const nlohmann::json &argument) const;
  // A bias or layer-norm parameter: every kernel reads these as float32.
  const float *vector(const nlohmann::json &argument) const;

  std::unique_ptr<WeightStore> store_;
  std::map<std::string, ptx::PhasePlan> phases_;
  std::vector<Slot> slots_;
  std::vector<float> scratch_, logits_;
  std::vector<std::vector<float>> keys_, values_;
  std::int64_t past_ = 0, tokens_ = 0;
};

} // namespace gpt2c::test
