#pragma once
// What tune mode runs a kernel on: inputs of the contract's shapes and types
// (../KERNELS.md) filled with random values, and output buffers, for one spec
// entry at given run-time sizes.
#include "Halide.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace gpt2c::halide {

// Run-time sizes of one measurement (one sequence, batch 1).
struct WorkloadSizes {
  int rows = 1; // rows M; tokens T for embed, qkv_scatter and attention (query rows)
  int past = 0; // embed and attention: cache position of the first row
};

struct Workload {
  std::map<std::string, Halide::Buffer<>> buffers; // inputs, by parameter name
  std::map<std::string, int32_t> scalars;          // scalar inputs, by parameter name
  // Inputs the model reads from memory on every call (weights, caches): tune
  // mode cycles through copies of them so that no run finds them in cache.
  std::set<std::string> streamed;
  std::vector<Halide::Buffer<>> outputs; // in the pipeline's output order
};

// The workload of a spec entry whose parameters the kernel's definition has
// already validated. fused_linear must give "layout" as a parameter (it decides
// the weight buffer's shape). Throws SpecError for sizes the kernel cannot run.
Workload makeWorkload(const nlohmann::json &entry, const WorkloadSizes &sizes);

// Fills a buffer with random values that are ordinary numbers for its type:
// floats in [-1, 1), 16-bit weights that are normal as bf16 and as f16 alike,
// any int8, int32 token ids below 256.
void fillRandom(Halide::Buffer<> &buffer, std::uint64_t seed);

} // namespace gpt2c::halide
