// gpt2-weight-precision end to end: the interpreter on IR whose weights the pass
// narrowed, against the unchanged IR run on a store that serves weights rounded
// or quantized by hand with the shared recipe; and the quality gate of the trained
// mini model (perplexity of the first 4 windows against the float32 golden value).
#include "gpt2c/checkpoint/Int8Quantization.h"
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/importer/Importer.h"
#include "gpt2c/interpreter/InterpreterBackend.h"
#include "gpt2c/passes/Passes.h"
#include "gpt2c/runtime/Perplexity.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/FloatFormats.h"
#include "gpt2c/tokenizer/Tokenizer.h"

#include "TestSupport.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>

namespace gpt2c {
namespace {

using interp::InterpreterBackend;
using interp::Precision;

// The module of `store` after the gpt2c pipeline with `options`.
struct CompiledModel {
  CompiledModel(const WeightStore &store, const PipelineOptions &options) {
    interp::prepareContext(context);
    module = importModel(context, store);
    mlir::PassManager pm(&context);
    buildPipeline(pm, options);
    if (mlir::failed(pm.run(*module)))
      fail("the gpt2c pipeline failed");
  }
  // How many gpt2.weight ops have `elementType` ("i8", "bf16", ...) as storage.
  int weightsStoredAs(const std::string &elementType) {
    int count = 0;
    module->walk([&](gpt2::WeightOp op) {
      std::string text;
      llvm::raw_string_ostream(text) << op.getResult().getType().getElementType();
      count += text == elementType;
    });
    return count;
  }
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

PipelineOptions pipelineOptions(std::string weights, std::int64_t groupSize = 0,
                                std::string embeddings = "") {
  PipelineOptions options;
  options.weights = std::move(weights);
  options.groupSize = groupSize;
  options.embeddings = std::move(embeddings);
  options.score = true;
  return options;
}

// The weights of `base`, each passed through `transform` (name, shape, values).
class TransformedStore final : public WeightStore {
public:
  using Transform = std::function<std::vector<float>(const WeightInfo &, std::vector<float>)>;
  TransformedStore(const WeightStore &base, Transform transform)
      : base_(base), transform_(std::move(transform)) {}
  std::string source() const override { return base_.source(); }
  const ModelConfig &config() const override { return base_.config(); }
  const std::vector<WeightInfo> &weights() const override { return base_.weights(); }
  void readFloat32(const std::string &name, std::span<float> out) const override {
    std::vector<float> values = transform_(weight(name), base_.readFloat32(name));
    std::copy(values.begin(), values.end(), out.begin());
  }

private:
  const WeightStore &base_;
  Transform transform_;
};

// GPT-2's linear weights by name, independently of how the pass recognises them.
bool isLinearWeight(const std::string &name) {
  for (const char *suffix : {".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight",
                             ".mlp.c_proj.weight"})
    if (name.ends_with(suffix))
      return true;
  return false;
}
bool isEmbedding(const std::string &name) { return name == "wte.weight" || name == "wpe.weight"; }

std::vector<float> dequantized(const WeightInfo &info, const std::vector<float> &values,
                               std::int64_t axis, std::int64_t groupSize) {
  return dequantize(quantizeInt8(values, info.shape[0], info.shape[1], axis, groupSize));
}

std::vector<float> roundedToBfloat16(std::vector<float> values) {
  for (float &value : values)
    value = bfloat16ToFloat(floatToBfloat16(value));
  return values;
}

const std::vector<std::int32_t> kPrompt = {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290,
                                           13,  632,  373,  257,   1332,  286, 262};

// Every position's logits of kPrompt at once (@score), then a prefill of all but
// the last token and one decode step (@prefill, @decode): all three phases.
std::vector<float> logitsOfEveryPhase(Backend &backend) {
  backend.reset();
  std::vector<float> all = backend.forward(kPrompt, /*allPositions=*/true);
  backend.reset();
  backend.forward(std::span(kPrompt).first(kPrompt.size() - 1));
  std::vector<float> decoded = backend.forward(std::span(kPrompt).last(1));
  all.insert(all.end(), decoded.begin(), decoded.end());
  return all;
}

double maxAbsDiff(const std::vector<float> &a, const std::vector<float> &b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(double(a[i]) - double(b[i])));
  return worst;
}

double maxAbs(const std::vector<float> &values) {
  double worst = 0;
  for (float value : values)
    worst = std::max(worst, std::abs(double(value)));
  return worst;
}

class WeightPrecisionTiny : public ::testing::Test {
protected:
  // The tiny synthetic store is float32, so the unchanged IR computes with
  // exactly the values a TransformedStore serves.
  std::unique_ptr<WeightStore> store = openModel("synthetic:tiny:1");

  // Logits of the unchanged IR (pipeline without the precision pass) on `weights`.
  std::vector<float> referenceLogits(const WeightStore &weights) {
    CompiledModel reference(weights, pipelineOptions("f32"));
    EXPECT_EQ(reference.weightsStoredAs("i8") + reference.weightsStoredAs("bf16"), 0);
    InterpreterBackend backend(*reference.module, weights, Precision::F32);
    return logitsOfEveryPhase(backend);
  }
  std::vector<float> narrowedLogits(CompiledModel &narrowed) {
    InterpreterBackend backend(*narrowed.module, *store, Precision::F32);
    return logitsOfEveryPhase(backend);
  }
  void expectInt8MatchesDequantized(std::int64_t groupSize, const std::string &embeddings);
};

// bf16 keeps 8 significant bits: each weight moves by at most 2^-9 of itself. A
// logit passes through 2 layers x 4 matrices plus the embeddings and the LM head;
// to first order their relative errors add (layer norms rescale activations but
// do not amplify relative errors), so the logits move by at most about
// 10 x 2^-9 ~ 2% of their magnitude, and much less since independent roundings
// mostly cancel. The test also requires a visible change, so that a pass that
// did nothing fails.
TEST_F(WeightPrecisionTiny, Bf16LogitsStayWithinTheRoundingBound) {
  std::vector<float> reference = referenceLogits(*store);
  CompiledModel narrowed(*store, pipelineOptions("bf16"));
  std::vector<float> logits = narrowedLogits(narrowed);
  double diff = maxAbsDiff(logits, reference);
  EXPECT_LE(diff, 10.0 * std::ldexp(1.0, -9) * maxAbs(reference));
  EXPECT_GT(diff, 0.0);
}

// Narrowing to bf16 is the same as rounding the matrices and embeddings by hand.
TEST_F(WeightPrecisionTiny, Bf16EqualsHandRoundedWeights) {
  TransformedStore rounded(*store, [](const WeightInfo &info, std::vector<float> values) {
    return isLinearWeight(info.name) || isEmbedding(info.name) ? roundedToBfloat16(values)
                                                                : values;
  });
  std::vector<float> reference = referenceLogits(rounded);
  CompiledModel narrowed(*store, pipelineOptions("bf16"));
  EXPECT_GT(narrowed.weightsStoredAs("bf16"), 0);
  EXPECT_LE(maxAbsDiff(narrowedLogits(narrowed), reference), 1e-5);
}

// int8 weights compute exactly with q * scale of the recipe: linear weights per
// output column, embeddings (and the tied LM head) per row. `embeddings` is
// "int8" (the default: as the matrices) or "bf16".
void WeightPrecisionTiny::expectInt8MatchesDequantized(std::int64_t groupSize,
                                                       const std::string &embeddings) {
  TransformedStore quantized(*store, [&](const WeightInfo &info, std::vector<float> values) {
    if (isLinearWeight(info.name))
      return dequantized(info, values, /*axis=*/1, groupSize);
    if (isEmbedding(info.name))
      return embeddings == "int8" ? dequantized(info, values, /*axis=*/0, groupSize)
                                  : roundedToBfloat16(values);
    return values;
  });
  std::vector<float> reference = referenceLogits(quantized);
  CompiledModel narrowed(*store, pipelineOptions("int8", groupSize,
                                                 embeddings == "int8" ? "" : embeddings));
  EXPECT_GT(narrowed.weightsStoredAs("i8"), 0);
  std::vector<float> logits = narrowedLogits(narrowed);
  EXPECT_LE(maxAbsDiff(logits, reference), 1e-5)
      << "group size " << groupSize << ", embeddings " << embeddings;
  // Quantization must be visible, or the comparison proves nothing.
  EXPECT_GT(maxAbsDiff(logits, referenceLogits(*store)), 1e-4);
}

TEST_F(WeightPrecisionTiny, Int8PerChannelEqualsDequantizedReference) {
  expectInt8MatchesDequantized(0, "int8");
}
TEST_F(WeightPrecisionTiny, Int8GroupsEqualDequantizedReference) {
  expectInt8MatchesDequantized(16, "int8");
}
TEST_F(WeightPrecisionTiny, Int8WithBf16EmbeddingsEqualsReference) {
  expectInt8MatchesDequantized(32, "bf16");
}

// --- quality gate on the trained mini model ----------------------------------

struct MiniGate {
  MiniGate()
      : directory(test::sharedDir() / "models" / "gpt2-mini-pydocs"),
        store(openModel(directory.string())),
        golden(nlohmann::json::parse(
            test::readFile(test::sharedDir() / "golden" / "golden-mini-pydocs.json"))) {
    Tokenizer tokenizer = Tokenizer::fromDirectory(directory);
    ids = tokenizer.encode(test::readFile(test::sharedDir() / "data" / "pydocs-heldout.txt"));
  }
  double firstFourWindows(const PipelineOptions &options) {
    CompiledModel compiled(*store, options);
    InterpreterBackend backend(*compiled.module, *store, Precision::F32);
    PerplexityOptions windows;
    windows.window = 1024;
    windows.maxWindows = 4;
    return measurePerplexity(backend, ids, windows).perplexity;
  }
  std::filesystem::path directory;
  std::unique_ptr<WeightStore> store;
  nlohmann::json golden;
  std::vector<std::int32_t> ids;
};

// The gate: perplexity within 0.5% of float32 for bf16 and f16, within
// 2% for int8 (per channel, and per group of 128), on the first 4 windows of the
// held-out text (float32: golden prefix_windows "4").
TEST(WeightPrecisionGate, MiniFirstFourWindowsStayNearFloat32) {
  MiniGate mini;
  const double float32 = mini.golden["perplexity"]["prefix_windows"]["4"]["ppl"].get<double>();
  struct Config {
    PipelineOptions options;
    double tolerance;
  };
  const Config configs[] = {{pipelineOptions("bf16"), 0.005},
                            {pipelineOptions("f16"), 0.005},
                            {pipelineOptions("int8"), 0.02},
                            {pipelineOptions("int8", 128), 0.02}};
  for (const Config &config : configs) {
    double perplexity = mini.firstFourWindows(config.options);
    EXPECT_NEAR(perplexity, float32, config.tolerance * float32)
        << config.options.weights << " group " << config.options.groupSize;
  }
}

} // namespace
} // namespace gpt2c
