#pragma once
// The reference interpreter behind the executor interface: keeps one sequence's
// KV caches between forward() calls, so prefill followed by decode steps runs
// exactly like recomputing the whole sequence.
#include "gpt2c/interpreter/Interpreter.h"
#include "gpt2c/runtime/Backend.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <memory>

namespace gpt2c::interp {

class InterpreterBackend final : public Backend {
public:
  // Imports `store` and interprets its forward step.
  InterpreterBackend(std::unique_ptr<WeightStore> store, Precision precision);
  // Interprets function `functionName` of `module` (e.g. IR after passes), which
  // must have the imported forward step's signature; weights come from `store`.
  InterpreterBackend(mlir::ModuleOp module, llvm::StringRef functionName, const WeightStore &store,
                     Precision precision);

  const ModelConfig &config() const override { return store_->config(); }
  std::string describe() const override;
  void reset() override;
  std::int64_t pastLength() const override { return pastLength_; }
  std::vector<float> forward(std::span<const std::int32_t> tokens,
                             bool allPositions = false) override;

  // Runs B sequences of T tokens at once (batch form of forward, for tests);
  // `ids` is [B, T] row-major, the caches hold B sequences of the same length.
  // Returns the logits [B, T, V].
  Tensor<float> forwardBatch(const Tensor<std::int32_t> &ids);

private:
  void allocateCaches(std::int64_t batch);
  std::vector<RuntimeValue> run(const Tensor<std::int32_t> &ids);

  std::unique_ptr<WeightStore> ownedStore_;
  const WeightStore *store_;
  std::unique_ptr<mlir::MLIRContext> context_;
  mlir::OwningOpRef<mlir::ModuleOp> ownedModule_;
  std::unique_ptr<Interpreter> interpreter_;
  std::int64_t pastLength_ = 0;
  std::int64_t batch_ = 0;
  std::vector<RuntimeValue> caches_; // k0, v0, k1, v1, ... each [B, H, C, D]
};

} // namespace gpt2c::interp
