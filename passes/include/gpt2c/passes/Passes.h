#pragma once
// The gpt2c passes (declared in Passes.td) and the named pipeline.
#include "gpt2c/IR/Gpt2Dialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace gpt2c {

#define GEN_PASS_DECL
#include "gpt2c/passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "gpt2c/passes/Passes.h.inc"

// Options of the whole pipeline (`gpt2c-opt --gpt2-pipeline`, `gpt2c compile`).
struct PipelineOptions {
  std::string weights = "f32";   // storage of the weight matrices: f32, bf16, f16, int8
  std::int64_t groupSize = 0;    // int8 group size (0: per channel)
  std::string embeddings;        // storage of wte/wpe (default: as the matrices)
  bool score = false;            // also emit @score (all-position logits)
};

// fusion -> phase split -> context pruning -> shape refinement -> weight precision,
// with canonicalisation and CSE between the steps.
void buildPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

// What `gpt2c compile` runs on an imported module, for every target: the pipeline
// with the score phase (perplexity and prompt scoring need every position's
// logits), then schedule selection.
mlir::LogicalResult runCompilePipeline(mlir::ModuleOp module, PipelineOptions pipeline,
                                       const SelectSchedulesOptions &schedules);
// Registers every pass and the `gpt2-pipeline` pipeline with the global registry.
void registerAllPasses();

} // namespace gpt2c
