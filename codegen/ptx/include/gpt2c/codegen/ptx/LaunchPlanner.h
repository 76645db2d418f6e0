#pragma once
// Plans the sm_90 execution of each phase function (after the pipeline and
// schedule selection for target sm_90): the kernels it needs (one specialisation
// per distinct spec), the launches in order with their grids and arguments, the
// scratch buffer plan (activations placed by liveness, reusing freed space) and
// the weight slots with their packing recipes. The launch plan format is
// runtime/artifact/LAUNCH_PLAN.md.
#include "gpt2c/checkpoint/WeightPacking.h"
#include "gpt2c/codegen/ptx/Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace gpt2c::ptx {

struct PhasePlan {
  std::string phase;  // prefill, decode or score
  std::string logits; // "last" or "all"
  std::vector<KernelSource> kernels;
  nlohmann::json launches = nlohmann::json::array();
  std::uint64_t scratchBytes = 0;
  // uint32 counters its kernels count in (zeroed once by the runtime, left zero):
  // one per sequence and head for the split attention.
  std::uint64_t countersBytes = 0;
};

struct PlanLimits {
  std::int64_t maxBatch = 1;
  std::int64_t maxTokens = 0; // tokens per prefill/score step
};

class LaunchPlanner {
public:
  explicit LaunchPlanner(PlanLimits limits) : limits_(limits) {}

  // Plans one phase; emits an error at the op and fails for an op it cannot run.
  mlir::FailureOr<PhasePlan> plan(mlir::func::FuncOp function);

  // Every weight slot the planned phases read, in slot order.
  const std::vector<PackingRecipe> &slots() const { return slots_; }
  std::size_t slotFor(const PackingRecipe &recipe);

private:
  PlanLimits limits_;
  std::vector<PackingRecipe> slots_;
  std::map<std::string, std::size_t> slotByKey_;
};

} // namespace gpt2c::ptx
