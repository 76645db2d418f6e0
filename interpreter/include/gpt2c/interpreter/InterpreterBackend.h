#pragma once
// The reference interpreter behind the executor interface: keeps one batch of
// sequences' KV caches between forward() calls, so prefill followed by decode
// steps runs exactly like recomputing the whole sequence.
//
// It runs either the imported @forward step, or the phases the pipeline makes of
// it: @prefill (empty cache, last-position logits), @score (empty cache, every
// position's logits) and @decode (one token per sequence), choosing per call.
#include "gpt2c/interpreter/Interpreter.h"
#include "gpt2c/runtime/Backend.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <memory>

namespace gpt2c::interp {

class InterpreterBackend final : public Backend {
public:
  // Imports `store` and interprets its @forward step.
  InterpreterBackend(std::unique_ptr<WeightStore> store, Precision precision);
  // Interprets `module` (owned, with its context) on weights from `store`.
  InterpreterBackend(std::unique_ptr<mlir::MLIRContext> context,
                     mlir::OwningOpRef<mlir::ModuleOp> module, std::unique_ptr<WeightStore> store,
                     Precision precision);
  // Interprets `module` on `store`, both owned by the caller and outliving this.
  InterpreterBackend(mlir::ModuleOp module, const WeightStore &store, Precision precision);

  const ModelConfig &config() const override { return store_->config(); }
  std::string describe() const override;
  void reset() override;
  std::int64_t pastLength() const override { return pastLength_; }
  std::vector<float> forward(std::span<const std::int32_t> tokens,
                             bool allPositions = false) override;

  // Runs B sequences of T tokens at once (the batch form of forward); `ids` is
  // [B, T]. Returns the logits [B, T, V], or [B, 1, V] for the last position when
  // !allPositions and the module computes only that.
  Tensor<float> forwardBatch(const Tensor<std::int32_t> &ids, bool allPositions = true);

private:
  void attach(mlir::ModuleOp module, Precision precision);
  Interpreter *choose(std::int64_t tokens, bool allPositions) const;
  void allocateCaches(std::int64_t batch);

  std::unique_ptr<WeightStore> ownedStore_;
  const WeightStore *store_;
  std::unique_ptr<mlir::MLIRContext> context_;
  mlir::OwningOpRef<mlir::ModuleOp> ownedModule_;
  Precision precision_ = Precision::F32;
  // Entry points present in the module (null when absent).
  std::unique_ptr<Interpreter> forward_, prefill_, score_, decode_;
  std::int64_t pastLength_ = 0;
  std::int64_t batch_ = 0;
  std::vector<RuntimeValue> caches_; // k0, v0, k1, v1, ... each [B, H, C, D]
};

} // namespace gpt2c::interp
