#pragma once
// `gpt2c compile --target sm_90`: the optimised phases of a model, scheduled for
// sm_90, become one PTX module per phase (kernels generated through MLIR's GPU ->
// NVVM path) and a launch plan, written with the packed weights (or their
// source) into an artifact directory that gpt2c-run executes on the GPU.
#include "gpt2c/passes/Passes.h"

#include <cstdint>
#include <string>

namespace gpt2c::ptx {

struct CompileOptions {
  std::string model;            // HF directory or synthetic:CONFIG[:SEED]
  std::string output;           // NAME.gpt2c directory
  std::string target = "sm_90"; // the only NVIDIA target so far
  PipelineOptions pipeline;     // weight precision etc.; score is always emitted
  std::int64_t maxBatch = 1;
  std::int64_t maxTokens = 0;   // 0: the context size
  bool externalWeights = false; // record the source instead of packing weights.bin
  std::string tokenizerDir;     // copied into the artifact when given
  bool keepIntermediates = false; // leave the kernels' MLIR in OUTPUT.work/
};

// Throws gpt2c::Error with a one-line message on failure.
void compile(const CompileOptions &options);

} // namespace gpt2c::ptx
