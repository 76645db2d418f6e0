#pragma once
// A small command-line parser for the runtime's tools, which link no LLVM: typed
// options bound to variables, positionals, subcommands and --help text.
//
//   std::string artifact; std::int64_t tokens = 64; bool json = false;
//   CommandLine command("gpt2c-run run", "Generate text from a prompt");
//   command.positional("ARTIFACT", "compiled artifact directory", artifact);
//   command.option("n", "N", "new tokens (default 64)", tokens);
//   command.flag("json", "print JSON", json);
//   if (!command.parse(args)) return 0; // --help was printed
//
// Options are written -name or --name, with the value as the next argument or
// after '=' (--name=value); "--" ends the options. A value may start with '-'
// (--temperature -1 reaches the option, which can then refuse it). Mistakes throw
// UsageError naming the command: "gpt2c-run run: unknown option --foo".
#include "gpt2c/support/Error.h"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c {

class UsageError : public Error {
public:
  using Error::Error;
};

class CommandLine {
public:
  // `command` names the command in help and errors; `summary` is one line.
  CommandLine(std::string command, std::string summary);

  // A required positional argument, in order of declaration.
  void positional(std::string name, std::string help, std::string &value);
  // Options with one value each; giving one twice is an error.
  void option(std::string name, std::string valueName, std::string help, std::string &value);
  void option(std::string name, std::string valueName, std::string help, std::int64_t &value);
  void option(std::string name, std::string valueName, std::string help, std::int32_t &value);
  void option(std::string name, std::string valueName, std::string help, std::uint64_t &value);
  void option(std::string name, std::string valueName, std::string help, unsigned &value);
  void option(std::string name, std::string valueName, std::string help, double &value);
  void flag(std::string name, std::string help, bool &value);
  // An option that may be repeated; each occurrence appends its value.
  void list(std::string name, std::string valueName, std::string help,
            std::vector<std::string> &values);
  // Text printed after the options in --help (examples, notes).
  void epilog(std::string text);

  // Parses `args` (the words after the command). Returns false when it printed the
  // help for --help or -h, true otherwise. Throws UsageError on a mistake.
  bool parse(std::span<const std::string> args);
  // Whether option `name` (without dashes) appeared on the command line.
  bool given(std::string_view name) const;
  std::string help() const;
  const std::string &command() const { return command_; }

private:
  struct Option {
    std::string name, valueName, help;
    std::function<void(std::string_view)> assign; // parses and stores one value
    bool takesValue = true, repeatable = false;
    int occurrences = 0;
  };
  struct Positional {
    std::string name, help;
    std::string *value;
  };
  void add(Option option);
  template <typename Number>
  void numberOption(std::string name, std::string valueName, std::string help, Number &value,
                    std::string_view description);
  Option *find(std::string_view name);
  [[noreturn]] void usageError(std::string_view message) const;

  std::string command_, summary_, epilog_;
  std::vector<Option> options_;
  std::vector<Positional> positionals_;
};

struct Subcommand {
  std::string name;
  std::string summary;
  // Gets the words after the subcommand's name; returns the exit status.
  std::function<int(std::span<const std::string>)> run;
};

// Runs the subcommand `args[0]` names with the rest of `args`. Prints the list of
// subcommands for --help, -h or "help"; throws UsageError for a missing or unknown one.
int runSubcommand(std::string_view program, std::string_view summary,
                  const std::vector<Subcommand> &subcommands, std::span<const std::string> args);

} // namespace gpt2c
