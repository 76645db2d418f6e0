#pragma once
// `gpt2c compile --target x86-avx512`: the optimised, scheduled phases of a model
// become prefill.so, decode.so and score.so (glue through MLIR and LLVM 22,
// kernels through the Halide generator, linked by lld 22), written with the
// packed weights into an artifact directory.
#include "gpt2c/passes/Passes.h"

#include <string>

namespace gpt2c::x86 {

struct CompileOptions {
  std::string model;            // HF directory or synthetic:CONFIG[:SEED]
  std::string output;           // NAME.gpt2c directory
  PipelineOptions pipeline;     // weight precision etc.; score is always emitted
  std::int64_t maxBatch = 1;
  std::int64_t maxTokens = 0;   // 0: the context size
  bool externalWeights = false; // record the source instead of packing weights.bin
  std::string tuningDb;         // schedules measured by `gpt2c tune` (optional)
  std::int64_t threads = 2;     // threads the kernels' work is split for
  std::string halideTarget;     // default: this machine's AVX-512 target
  std::string tokenizerDir;     // copied into the artifact when given
  bool keepIntermediates = false; // leave IR, specs and objects in OUTPUT.work/
};

// Throws gpt2c::Error with a one-line message on failure.
void compile(const CompileOptions &options);

} // namespace gpt2c::x86
