#include "gpt2c/support/CommandLine.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>

namespace gpt2c {
namespace {

// Parses all of `text` as a T, or returns false.
template <typename T> bool parseNumber(std::string_view text, T &value) {
  const char *begin = text.data(), *end = text.data() + text.size();
  auto [next, error] = std::from_chars(begin, end, value);
  return !text.empty() && error == std::errc() && next == end;
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width)
    text.append(width - text.size(), ' ');
  return text;
}

} // namespace

CommandLine::CommandLine(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

void CommandLine::usageError(std::string_view message) const {
  throw UsageError(fmt::format("{}: {}", command_, message));
}

void CommandLine::add(Option option) {
  if (find(option.name))
    throw Error(fmt::format("{}: option --{} is declared twice", command_, option.name));
  options_.push_back(std::move(option));
}

CommandLine::Option *CommandLine::find(std::string_view name) {
  auto found = std::find_if(options_.begin(), options_.end(),
                            [&](const Option &option) { return option.name == name; });
  return found == options_.end() ? nullptr : &*found;
}

void CommandLine::positional(std::string name, std::string help, std::string &value) {
  positionals_.push_back({std::move(name), std::move(help), &value});
}

void CommandLine::option(std::string name, std::string valueName, std::string help,
                         std::string &value) {
  add({std::move(name), std::move(valueName), std::move(help),
       [&value](std::string_view text) { value = std::string(text); }});
}

template <typename Number>
void CommandLine::numberOption(std::string name, std::string valueName, std::string help,
                               Number &value, std::string_view description) {
  std::string flagName = name;
  add({std::move(name), std::move(valueName), std::move(help),
       [this, &value, flagName, description](std::string_view text) {
         if (!parseNumber(text, value))
           usageError(fmt::format("--{} expects {}, got '{}'", flagName, description, text));
       }});
}

void CommandLine::option(std::string name, std::string valueName, std::string help,
                         std::int64_t &value) {
  numberOption(std::move(name), std::move(valueName), std::move(help), value, "an integer");
}
void CommandLine::option(std::string name, std::string valueName, std::string help,
                         std::int32_t &value) {
  numberOption(std::move(name), std::move(valueName), std::move(help), value, "an integer");
}
void CommandLine::option(std::string name, std::string valueName, std::string help,
                         std::uint64_t &value) {
  numberOption(std::move(name), std::move(valueName), std::move(help), value,
               "a non-negative integer");
}
void CommandLine::option(std::string name, std::string valueName, std::string help,
                         unsigned &value) {
  numberOption(std::move(name), std::move(valueName), std::move(help), value,
               "a non-negative integer");
}
void CommandLine::option(std::string name, std::string valueName, std::string help, double &value) {
  numberOption(std::move(name), std::move(valueName), std::move(help), value, "a number");
}

void CommandLine::flag(std::string name, std::string help, bool &value) {
  Option option{std::move(name), "", std::move(help), [&value](std::string_view) { value = true; }};
  option.takesValue = false;
  add(std::move(option));
}

void CommandLine::list(std::string name, std::string valueName, std::string help,
                       std::vector<std::string> &values) {
  Option option{std::move(name), std::move(valueName), std::move(help),
                [&values](std::string_view text) { values.emplace_back(text); }};
  option.repeatable = true;
  add(std::move(option));
}

void CommandLine::epilog(std::string text) { epilog_ = std::move(text); }

bool CommandLine::given(std::string_view name) const {
  return std::any_of(options_.begin(), options_.end(), [&](const Option &option) {
    return option.name == name && option.occurrences > 0;
  });
}

bool CommandLine::parse(std::span<const std::string> args) {
  std::size_t nextPositional = 0;
  auto takePositional = [&](const std::string &word) {
    if (nextPositional == positionals_.size())
      usageError(fmt::format("unexpected argument '{}'", word));
    *positionals_[nextPositional++].value = word;
  };
  bool optionsEnded = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string &word = args[i];
    if (optionsEnded || word.size() < 2 || word[0] != '-') {
      takePositional(word);
      continue;
    }
    if (word == "--") {
      optionsEnded = true;
      continue;
    }
    if (word == "--help" || word == "-h") {
      std::fputs(help().c_str(), stdout);
      return false;
    }
    std::string_view spelled = word;
    std::string_view name = spelled.substr(spelled.starts_with("--") ? 2 : 1);
    std::optional<std::string_view> inlineValue;
    if (auto equals = name.find('='); equals != std::string_view::npos) {
      inlineValue = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    Option *option = find(name);
    if (!option)
      usageError(fmt::format("unknown option {}", spelled.substr(0, spelled.find('='))));
    if (option->occurrences > 0 && !option->repeatable)
      usageError(fmt::format("--{} is given more than once", option->name));
    ++option->occurrences;
    if (!option->takesValue) {
      if (inlineValue)
        usageError(fmt::format("--{} takes no value", option->name));
      option->assign({});
      continue;
    }
    if (!inlineValue) {
      if (i + 1 == args.size())
        usageError(fmt::format("--{} needs a value ({})", option->name, option->valueName));
      inlineValue = args[++i];
    }
    option->assign(*inlineValue);
  }
  if (nextPositional < positionals_.size())
    usageError(fmt::format("missing {}", positionals_[nextPositional].name));
  return true;
}

std::string CommandLine::help() const {
  std::string usage = command_;
  for (const Positional &positional : positionals_)
    usage += " " + positional.name;
  if (!options_.empty())
    usage += " [options]";
  std::string text = fmt::format("{}\n\nusage: {}\n", summary_, usage);

  auto spelling = [](const Option &option) {
    std::string flag = (option.name.size() == 1 ? "-" : "--") + option.name;
    return option.takesValue ? flag + " " + option.valueName : flag;
  };
  std::size_t width = 0;
  for (const Positional &positional : positionals_)
    width = std::max(width, positional.name.size());
  for (const Option &option : options_)
    width = std::max(width, spelling(option).size());
  width += 2;
  if (!positionals_.empty()) {
    text += "\narguments:\n";
    for (const Positional &positional : positionals_)
      text += fmt::format("  {}{}\n", padded(positional.name, width), positional.help);
  }
  text += "\noptions:\n";
  for (const Option &option : options_)
    text += fmt::format("  {}{}\n", padded(spelling(option), width), option.help);
  text += fmt::format("  {}{}\n", padded("--help", width), "print this help");
  if (!epilog_.empty())
    text += "\n" + epilog_ + (epilog_.ends_with('\n') ? "" : "\n");
  return text;
}

int runSubcommand(std::string_view program, std::string_view summary,
                  const std::vector<Subcommand> &subcommands, std::span<const std::string> args) {
  auto names = [&] {
    std::string list;
    for (const Subcommand &subcommand : subcommands)
      list += (list.empty() ? "" : ", ") + subcommand.name;
    return list;
  };
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::string text =
        fmt::format("{}\n\nusage: {} SUBCOMMAND ...\n\nsubcommands:\n", summary, program);
    std::size_t width = 0;
    for (const Subcommand &subcommand : subcommands)
      width = std::max(width, subcommand.name.size());
    for (const Subcommand &subcommand : subcommands)
      text += fmt::format("  {}{}\n", padded(subcommand.name, width + 2), subcommand.summary);
    text += fmt::format("\n'{} SUBCOMMAND --help' documents each one.\n", program);
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  if (args.empty())
    throw UsageError(
        fmt::format("{}: missing subcommand ({}); see {} --help", program, names(), program));
  for (const Subcommand &subcommand : subcommands)
    if (subcommand.name == args[0])
      return subcommand.run(args.subspan(1));
  throw UsageError(
      fmt::format("{}: unknown subcommand '{}' (known: {})", program, args[0], names()));
}

} // namespace gpt2c
