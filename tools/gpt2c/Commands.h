#pragma once
// Subcommands of the gpt2c driver. Each one reads its options from the LLVM
// command-line subcommand it registers and returns the process exit status.
#include "llvm/Support/CommandLine.h"

namespace gpt2c::driver {

extern llvm::cl::SubCommand importCommand;
extern llvm::cl::SubCommand synthCommand;
extern llvm::cl::SubCommand tokenizeCommand;
extern llvm::cl::SubCommand runCommand;
extern llvm::cl::SubCommand logitsCommand;
extern llvm::cl::SubCommand evalCommand;
extern llvm::cl::SubCommand compileCommand;
extern llvm::cl::SubCommand tuneCommand;

int runImport();
int runSynth();
int runTokenize();
int runRun();
int runLogits();
int runEval();
int runCompile();
int runTune();

} // namespace gpt2c::driver
