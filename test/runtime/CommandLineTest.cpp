// The plain C++ command-line parser of gpt2c-run: typed options, positionals,
// subcommands, help, and one clear error per mistake.
#include "gpt2c/support/CommandLine.h"

#include <gtest/gtest.h>

namespace gpt2c {
namespace {

struct RunOptions {
  std::string artifact, prompt;
  std::int64_t tokens = 64;
  std::int32_t topK = 40;
  std::uint64_t seed = 0;
  unsigned threads = 0;
  double temperature = 1.0;
  bool json = false;
  std::vector<std::string> stops;
};

CommandLine runCommand(RunOptions &o) {
  CommandLine command("gpt2c-run run", "Generate text");
  command.positional("ARTIFACT", "compiled artifact", o.artifact);
  command.option("prompt", "TEXT", "prompt text", o.prompt);
  command.option("n", "N", "new tokens", o.tokens);
  command.option("top-k", "K", "top-k", o.topK);
  command.option("seed", "S", "seed", o.seed);
  command.option("threads", "N", "threads", o.threads);
  command.option("temperature", "T", "temperature", o.temperature);
  command.flag("json", "JSON output", o.json);
  command.list("stop", "S", "stop string", o.stops);
  return command;
}

std::string parseError(std::vector<std::string> args) {
  RunOptions options;
  CommandLine command = runCommand(options);
  try {
    command.parse(args);
  } catch (const UsageError &error) {
    return error.what();
  }
  return "(no error)";
}

TEST(CommandLine, ParsesEverySpelling) {
  RunOptions o;
  CommandLine command = runCommand(o);
  std::vector<std::string> args{"a.gpt2c",
                                "--prompt",
                                "Hello -world",
                                "-n",
                                "5",
                                "--top-k=7",
                                "--seed",
                                "18446744073709551615",
                                "-threads",
                                "3",
                                "--temperature",
                                "-0.5",
                                "--json",
                                "--stop",
                                "x",
                                "--stop=y"};
  ASSERT_TRUE(command.parse(args));
  EXPECT_EQ(o.artifact, "a.gpt2c");
  EXPECT_EQ(o.prompt, "Hello -world");
  EXPECT_EQ(o.tokens, 5);
  EXPECT_EQ(o.topK, 7);
  EXPECT_EQ(o.seed, 18446744073709551615u);
  EXPECT_EQ(o.threads, 3u);
  EXPECT_EQ(o.temperature, -0.5); // the option's own validation refuses it later
  EXPECT_TRUE(o.json);
  EXPECT_EQ(o.stops, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(command.given("n"));
  EXPECT_FALSE(command.given("nothing"));
}

TEST(CommandLine, DefaultsStayWhenNotGiven) {
  RunOptions o;
  CommandLine command = runCommand(o);
  std::vector<std::string> args{"--", "-odd-name.gpt2c"};
  ASSERT_TRUE(command.parse(args));
  EXPECT_EQ(o.artifact, "-odd-name.gpt2c");
  EXPECT_EQ(o.tokens, 64);
  EXPECT_FALSE(command.given("n"));
}

TEST(CommandLine, Errors) {
  EXPECT_EQ(parseError({"a", "--foo"}), "gpt2c-run run: unknown option --foo");
  EXPECT_EQ(parseError({"a", "--foo=3"}), "gpt2c-run run: unknown option --foo");
  EXPECT_EQ(parseError({}), "gpt2c-run run: missing ARTIFACT");
  EXPECT_EQ(parseError({"a", "b"}), "gpt2c-run run: unexpected argument 'b'");
  EXPECT_EQ(parseError({"a", "-n", "x"}), "gpt2c-run run: --n expects an integer, got 'x'");
  EXPECT_EQ(parseError({"a", "-n", "5x"}), "gpt2c-run run: --n expects an integer, got '5x'");
  EXPECT_EQ(parseError({"a", "--threads", "-1"}),
            "gpt2c-run run: --threads expects a non-negative integer, got '-1'");
  EXPECT_EQ(parseError({"a", "--top-k", "3000000000"}),
            "gpt2c-run run: --top-k expects an integer, got '3000000000'");
  EXPECT_EQ(parseError({"a", "--temperature", "warm"}),
            "gpt2c-run run: --temperature expects a number, got 'warm'");
  EXPECT_EQ(parseError({"a", "--prompt"}), "gpt2c-run run: --prompt needs a value (TEXT)");
  EXPECT_EQ(parseError({"a", "-n", "1", "-n", "2"}), "gpt2c-run run: --n is given more than once");
  EXPECT_EQ(parseError({"a", "--json=yes"}), "gpt2c-run run: --json takes no value");
}

TEST(CommandLine, HelpListsEverything) {
  RunOptions o;
  CommandLine command = runCommand(o);
  command.epilog("Example: gpt2c-run run tiny.gpt2c --prompt hi");
  std::string help = command.help();
  EXPECT_NE(help.find("usage: gpt2c-run run ARTIFACT [options]"), std::string::npos) << help;
  EXPECT_NE(help.find("  -n N "), std::string::npos) << help;
  EXPECT_NE(help.find("  --top-k K "), std::string::npos) << help;
  EXPECT_NE(help.find("  --json "), std::string::npos) << help;
  EXPECT_NE(help.find("Example: gpt2c-run run"), std::string::npos) << help;
  testing::internal::CaptureStdout();
  std::vector<std::string> args{"--help"};
  EXPECT_FALSE(command.parse(args));
  EXPECT_EQ(testing::internal::GetCapturedStdout(), help);
}

TEST(CommandLine, Subcommands) {
  std::vector<std::string> seen;
  std::vector<Subcommand> subcommands{
      {"run", "generate",
       [&](std::span<const std::string> args) {
         seen.assign(args.begin(), args.end());
         return 7;
       }},
      {"verify", "check", [](std::span<const std::string>) { return 0; }}};
  std::vector<std::string> args{"run", "x", "--y"};
  EXPECT_EQ(runSubcommand("gpt2c-run", "summary", subcommands, args), 7);
  EXPECT_EQ(seen, (std::vector<std::string>{"x", "--y"}));
  std::vector<std::string> unknown{"fly"}, none;
  EXPECT_THROW(
      {
        try {
          runSubcommand("gpt2c-run", "summary", subcommands, unknown);
        } catch (const UsageError &error) {
          EXPECT_STREQ(error.what(), "gpt2c-run: unknown subcommand 'fly' (known: run, verify)");
          throw;
        }
      },
      UsageError);
  EXPECT_THROW(runSubcommand("gpt2c-run", "summary", subcommands, none), UsageError);
  testing::internal::CaptureStdout();
  std::vector<std::string> help{"--help"};
  EXPECT_EQ(runSubcommand("gpt2c-run", "summary", subcommands, help), 0);
  std::string text = testing::internal::GetCapturedStdout();
  EXPECT_NE(text.find("  run     generate"), std::string::npos) << text;
}

} // namespace
} // namespace gpt2c
