// Perplexity of the trained mini model on held-out text, against the values
// transformers computed (../shared/golden/golden-mini-pydocs.json): the whole
// pipeline of tokenizer, interpreter and window scheme.
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/interpreter/InterpreterBackend.h"
#include "gpt2c/runtime/Perplexity.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include "TestSupport.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace gpt2c {
namespace {

struct MiniModel {
  MiniModel()
      : directory(test::sharedDir() / "models" / "gpt2-mini-pydocs"),
        backend(openModel(directory.string()), interp::Precision::F32),
        reference(nlohmann::json::parse(
            test::readFile(test::sharedDir() / "golden" / "golden-mini-pydocs.json"))) {
    Tokenizer tokenizer = Tokenizer::fromDirectory(directory);
    ids = tokenizer.encode(test::readFile(test::sharedDir() / "data" / "pydocs-heldout.txt"));
  }
  std::filesystem::path directory;
  interp::InterpreterBackend backend;
  nlohmann::json reference;
  std::vector<std::int32_t> ids;
};

PerplexityResult firstWindows(MiniModel &mini, std::int64_t windows) {
  PerplexityOptions options;
  options.window = 1024;
  options.maxWindows = windows;
  return measurePerplexity(mini.backend, mini.ids, options);
}

TEST(Perplexity, MiniModelFirstWindowsMatchTransformers) {
  MiniModel mini;
  const auto &golden = mini.reference["perplexity"];
  EXPECT_EQ(std::int64_t(mini.ids.size()) - 1, golden["tokens_predicted"].get<std::int64_t>());
  for (const char *windows : {"1", "4"}) {
    PerplexityResult result = firstWindows(mini, std::stoi(windows));
    EXPECT_EQ(result.tokensPredicted, golden["prefix_windows"][windows]["tokens_predicted"]);
    EXPECT_NEAR(result.perplexity, golden["prefix_windows"][windows]["ppl"].get<double>(), 0.02)
        << windows << " window(s)";
  }
}

// The whole held-out text (~106k tokens, a few minutes): labelled "slow" in ctest.
TEST(PerplexityFull, MiniModelWholeTextMatchesTransformers) {
  MiniModel mini;
  PerplexityOptions options;
  options.window = 1024;
  PerplexityResult result = measurePerplexity(mini.backend, mini.ids, options);
  const auto &golden = mini.reference["perplexity"];
  EXPECT_EQ(result.tokensPredicted, golden["tokens_predicted"].get<std::int64_t>());
  EXPECT_NEAR(result.perplexity, golden["ppl"].get<double>(), 0.02);
}

} // namespace
} // namespace gpt2c
