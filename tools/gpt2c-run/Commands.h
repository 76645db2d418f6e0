#pragma once
// The subcommands of gpt2c-run. Each parses the words after its name and returns
// the exit status; errors are thrown as gpt2c::Error (UsageError for the command
// line) and reported by main().
#include <span>
#include <string>

namespace gpt2c::run {

int runGenerate(std::span<const std::string> args); // run
int runLogits(std::span<const std::string> args);
int runEval(std::span<const std::string> args);
int runBench(std::span<const std::string> args);
int runTokenize(std::span<const std::string> args);
int runVerify(std::span<const std::string> args);
int runSynth(std::span<const std::string> args);

} // namespace gpt2c::run
