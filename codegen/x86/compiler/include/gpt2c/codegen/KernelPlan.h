#pragma once
// The x86 kernels a module needs: one spec entry per distinct (kind, parameters,
// schedule), as codegen/x86/KERNELS.md defines them, and the weight slots the
// phase libraries read, each with the packing recipe that lays it out for its
// kernel.
#include "gpt2c/IR/Gpt2Dialect.h"
#include "gpt2c/checkpoint/WeightPacking.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace gpt2c::x86 {

struct KernelInfo {
  std::string name; // symbol of the Halide function, e.g. "k3_fused_linear"
  std::string kind;
  nlohmann::json spec; // the spec entry given to gpt2c-halide-gen
};

// One weight slot: the pointer gpt2c_step_args::weights[index] points to.
struct WeightSlot {
  std::size_t index;
  PackingRecipe recipe;
};

struct WeightSlots {
  WeightSlot values;
  std::optional<WeightSlot> scales; // int8 only
};

class KernelPlan {
public:
  // Plans every gpt2 op of every function in `module` (after the pipeline and
  // schedule selection). Emits an error at the op and fails for an op without an
  // x86 kernel.
  static mlir::FailureOr<KernelPlan> build(mlir::ModuleOp module);

  const std::vector<KernelInfo> &kernels() const { return kernels_; }
  const std::vector<PackingRecipe> &slots() const { return slots_; }
  // The kernel an op calls (ops that are views or aliases have none).
  const KernelInfo *kernelFor(mlir::Operation *op) const;
  // The kernel an op calls instead when it multiplies at most `maxRows` rows (the
  // op's gpt2.few_rows_schedule), or none.
  struct FewRowsKernel {
    const KernelInfo *kernel;
    std::int64_t maxRows;
  };
  std::optional<FewRowsKernel> fewRowsKernelFor(mlir::Operation *op) const;
  const WeightSlots &slotsFor(gpt2::WeightOp op) const;
  // {"kernels": [...]} for the generator.
  nlohmann::json generatorSpec() const;

private:
  mlir::LogicalResult plan(mlir::Operation *op);
  const KernelInfo &addKernel(const std::string &kind, nlohmann::json spec);
  mlir::LogicalResult addWeight(gpt2::WeightOp op, const std::string &layout);

  std::vector<KernelInfo> kernels_;
  std::map<std::string, std::size_t> kernelBySpec_;
  llvm::DenseMap<mlir::Operation *, std::size_t> kernelOfOp_;
  llvm::DenseMap<mlir::Operation *, std::pair<std::size_t, std::int64_t>> fewRowsKernelOfOp_;
  std::vector<PackingRecipe> slots_;
  std::map<std::string, WeightSlots> slotsByWeight_; // key: name + layout + type
  llvm::DenseMap<mlir::Operation *, WeightSlots> slotsOfOp_;
};

} // namespace gpt2c::x86
