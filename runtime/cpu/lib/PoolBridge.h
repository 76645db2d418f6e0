#pragma once
// The runtime's thread pool as the phase ABI sees it (gpt2c_parallel): every
// parallel loop of every phase library, Halide's included, runs on the process's
// one ThreadPool::global(), so kernels never start threads of their own.
#include "gpt2c/abi/PhaseAbi.h"

namespace gpt2c::cpu {

// Valid for the life of the process; sizes ThreadPool::global() on first use.
const gpt2c_parallel &processParallel();

} // namespace gpt2c::cpu
