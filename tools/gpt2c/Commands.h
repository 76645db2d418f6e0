#pragma once
// Subcommands of the gpt2c driver. Each one reads its options from the LLVM
// command-line subcommand it registers and returns the process exit status.
#include "llvm/Support/CommandLine.h"

namespace gpt2c::driver {

extern llvm::cl::SubCommand importCommand;
extern llvm::cl::SubCommand synthCommand;

int runImport();
int runSynth();

} // namespace gpt2c::driver
