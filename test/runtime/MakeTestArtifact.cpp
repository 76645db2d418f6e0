// gpt2c-test-artifact OUT.gpt2c [options]: writes an artifact around the reference
// phase library, or with --toy-gpu the toy GPU artifact (ToyGpuArtifact.h), for the
// lit tests of gpt2c-run (which need artifacts before `gpt2c compile` produces
// real ones).
#include "TestArtifacts.h"
#include "ToyGpuArtifact.h"

#include "gpt2c/support/CommandLine.h"

#include <cstdio>
#include <vector>

int main(int argc, char **argv) {
  using namespace gpt2c;
  std::string output, layout = "kn", tokenizer;
  test::ReferenceArtifactOptions options;
  bool noScore = false, toyGpu = false;
  CommandLine command("gpt2c-test-artifact",
                      "Write an artifact around the reference phase library");
  command.positional("OUT", "the artifact directory to write", output);
  command.option("model", "MODEL", "synthetic:tiny[:SEED] (default synthetic:tiny:1)",
                 options.model);
  command.option("layout", "kn|nk", "layout of the linear weights (default kn)", layout);
  command.flag("external", "record the model instead of writing weights.bin",
               options.externalWeights);
  command.flag("no-score", "leave out the score phase", noScore);
  command.flag("separate-libraries", "prefill.so, decode.so, score.so instead of one library",
               options.separateLibraries);
  command.option("max-tokens", "N", "tokens per prefill step (default 128)", options.maxTokens);
  command.option("tokenizer", "DIR", "copy vocab.json and merges.txt from DIR", tokenizer);
  command.flag("toy-gpu", "write the toy GPU (sm_90) artifact instead", toyGpu);
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!command.parse(args))
      return 0;
    if (layout != "kn" && layout != "nk")
      throw Error("--layout: '" + layout + "' is not kn or nk");
    if (toyGpu) {
      test::ToyGpuArtifactOptions toy;
      toy.score = !noScore;
      if (command.given("max-tokens"))
        toy.maxTokens = options.maxTokens;
      test::writeToyGpuArtifact(output, toy);
      return 0;
    }
    options.linearLayout = layout == "nk" ? PackedLayout::NK : PackedLayout::KN;
    options.score = !noScore;
    if (!tokenizer.empty())
      options.tokenizerDir = tokenizer;
    test::writeReferenceArtifact(output, options);
    return 0;
  } catch (const std::exception &error) {
    std::fprintf(stderr, "gpt2c-test-artifact: error: %s\n", error.what());
    return 1;
  }
}
