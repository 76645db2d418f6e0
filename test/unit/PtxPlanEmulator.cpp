#include "PtxPlanEmulator.h"

#include "gpt2c/IR/FirstError.h"
#include "gpt2c/importer/Importer.h"
#include "gpt2c/passes/Passes.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/FloatFormats.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gpt2c::test {
namespace {

using Json = nlohmann::json;

float roundTo(float value, PackedDType type) {
  if (type == PackedDType::BF16)
    return bfloat16ToFloat(floatToBfloat16(value));
  if (type == PackedDType::F16)
    return halfToFloat(floatToHalf(value));
  return value;
}

std::vector<float> widen(const std::vector<std::byte> &bytes, PackedDType type) {
  std::size_t size = packedElementSize(type);
  std::vector<float> values(bytes.size() / size);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (type == PackedDType::F32) {
      std::memcpy(&values[i], &bytes[i * 4], 4);
      continue;
    }
    std::uint16_t bits;
    std::memcpy(&bits, &bytes[i * 2], 2);
    values[i] = type == PackedDType::BF16 ? bfloat16ToFloat(bits) : halfToFloat(bits);
  }
  return values;
}

void layerNorm(const float *in, const float *gamma, const float *beta, float *out, int64_t width,
               double epsilon) {
  double mean = 0, variance = 0;
  for (int64_t e = 0; e < width; ++e)
    mean += in[e];
  mean /= double(width);
  for (int64_t e = 0; e < width; ++e)
    variance += (in[e] - mean) * (in[e] - mean);
  variance /= double(width);
  double rstd = 1.0 / std::sqrt(variance + epsilon);
  for (int64_t e = 0; e < width; ++e)
    out[e] = float((in[e] - mean) * rstd * gamma[e] + beta[e]);
}

float gelu(float x) {
  return float(0.5 * x * (1 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))));
}

} // namespace

PtxPlanEmulator::PtxPlanEmulator(const std::string &model, const std::string &weights)
    : store_(openModel(model)) {
  const ModelConfig &config = store_->config();
  mlir::MLIRContext context;
  FirstError diagnostics(context);
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(context, *store_);
  PipelineOptions pipeline;
  pipeline.weights = weights;
  SelectSchedulesOptions schedules;
  schedules.target = "sm_90";
  if (mlir::failed(runCompilePipeline(*module, pipeline, schedules)))
    fail("the pipeline: {}", diagnostics.message());
  ptx::LaunchPlanner planner({1, config.nPositions});
  std::uint64_t scratchBytes = 0;
  for (auto function : module->getOps<mlir::func::FuncOp>()) {
    mlir::FailureOr<ptx::PhasePlan> plan = planner.plan(function);
    if (mlir::failed(plan))
      fail("planning @{}: {}", function.getSymName().str(), diagnostics.message());
    scratchBytes = std::max(scratchBytes, plan->scratchBytes);
    phases_[plan->phase] = std::move(*plan);
  }
  for (const PackingRecipe &recipe : planner.slots())
    slots_.push_back({recipe, widen(packWeight(*store_, recipe), recipe.dtype),
                      store_->weight(recipe.tensor).shape});
  scratch_.assign(scratchBytes / 4 + 1, 0.0f);
  logits_.assign(std::size_t(config.nPositions * config.vocabSize), 0.0f);
  std::size_t cache = std::size_t(config.nPositions * config.nEmbd);
  keys_.assign(std::size_t(config.nLayer), std::vector<float>(cache));
  values_.assign(std::size_t(config.nLayer), std::vector<float>(cache));
}

PtxPlanEmulator::~PtxPlanEmulator() = default;

std::vector<float> PtxPlanEmulator::forward(std::span<const std::int32_t> tokens,
                                            bool allPositions) {
  const std::size_t vocab = std::size_t(config().vocabSize);
  std::vector<float> result;
  if (past_ == 0) {
    runPhase(allPositions ? "score" : "prefill", tokens);
    past_ = std::int64_t(tokens.size());
    std::size_t rows = allPositions ? tokens.size() : 1;
    return std::vector<float>(logits_.begin(), logits_.begin() + std::ptrdiff_t(rows * vocab));
  }
  for (std::int32_t token : tokens) {
    runPhase("decode", std::span(&token, 1));
    ++past_;
    if (allPositions || result.empty())
      result.insert(result.end(), logits_.begin(), logits_.begin() + std::ptrdiff_t(vocab));
    else
      std::copy(logits_.begin(), logits_.begin() + std::ptrdiff_t(vocab), result.begin());
  }
  return result;
}

void PtxPlanEmulator::runPhase(const std::string &phase, std::span<const std::int32_t> ids) {
  tokens_ = std::int64_t(ids.size());
  for (const Json &launch : phases_.at(phase).launches)
    runLaunch(launch, ids);
}

float *PtxPlanEmulator::pointer(const Json &argument) {
  std::string kind = argument["kind"];
  if (kind == "scratch")
    return scratch_.data() + argument["offset"].get<std::size_t>() / 4;
  if (kind == "cache") {
    auto &caches = argument["which"] == "key" ? keys_ : values_;
    return caches.at(argument["layer"].get<std::size_t>()).data();
  }
  if (kind == "logits")
    return logits_.data();
  fail("emulator: no float buffer for argument {}", argument.dump());
}

const PtxPlanEmulator::Slot &PtxPlanEmulator::slot(const Json &argument) const {
  return slots_.at(argument["slot"].get<std::size_t>());
}

const float *PtxPlanEmulator::vector(const Json &argument) const {
  const Slot &found = slot(argument);
  if (found.recipe.dtype != PackedDType::F32)
    fail("emulator: the kernels read vector '{}' as f32, but its slot holds {}",
         found.recipe.tensor, packedDTypeName(found.recipe.dtype));
  return found.values.data();
}

void PtxPlanEmulator::runLaunch(const Json &launch, std::span<const std::int32_t> ids) {
  const ModelConfig &config = store_->config();
  const int64_t E = config.nEmbd, H = config.nHead, D = E / H, C = config.nPositions;
  const int64_t T = tokens_, P = past_;
  const double epsilon = config.layerNormEpsilon;
  const Json &args = launch["args"];
  std::string name = launch["kernel"];
  std::string kind = name.substr(name.find('_') + 1);
  auto rowsOf = [&](const Json &dim) { return dim["per"] == "one" || dim["per"] == "batch" ? 1 : T; };
  // Causal attention of one query over the keys [0, position]. With 16-bit
  // `operands` as the tensor-core kernel computes it: scores in base 2 from the
  // rounded scaled query and keys, the probabilities rounded where they multiply
  // the rounded values (their sum not).
  auto attend = [&](const float *query, const float *keys, const float *values, int64_t position,
                    float *out, PackedDType operands = PackedDType::F32) {
    const bool rounded = operands != PackedDType::F32;
    const double scale = 1 / std::sqrt(double(D)) / (rounded ? std::log(2.0) : 1.0);
    auto base = [&](double x) { return rounded ? std::exp2(x) : std::exp(x); };
    for (int64_t h = 0; h < H; ++h) {
      std::vector<float> q(static_cast<std::size_t>(D));
      for (int64_t d = 0; d < D; ++d)
        q[std::size_t(d)] =
            rounded ? roundTo(float(query[h * D + d] * scale), operands) : query[h * D + d];
      std::vector<double> scores(std::size_t(position + 1));
      double maximum = -1e300, sum = 0;
      for (int64_t j = 0; j <= position; ++j) {
        double dot = 0;
        for (int64_t d = 0; d < D; ++d)
          dot += double(q[std::size_t(d)]) * roundTo(keys[(h * C + j) * D + d], operands);
        scores[std::size_t(j)] = rounded ? dot : dot * scale;
        maximum = std::max(maximum, scores[std::size_t(j)]);
      }
      for (double &score : scores)
        sum += score = base(score - maximum);
      for (int64_t d = 0; d < D; ++d) {
        double total = 0;
        for (int64_t j = 0; j <= position; ++j)
          total += roundTo(float(scores[std::size_t(j)]), operands) *
                   roundTo(values[(h * C + j) * D + d], operands);
        out[h * D + d] = float(total / sum);
      }
    }
  };

  if (kind == "embed") {
    const Slot &wte = slot(args[2]), &wpe = slot(args[3]);
    float *out = pointer(args[4]);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t e = 0; e < E; ++e)
        out[t * E + e] = wte.values[std::size_t(ids[std::size_t(t)] * E + e)] +
                         wpe.values[std::size_t((P + t) * E + e)];
  } else if (kind == "layer_norm") {
    int64_t rows = rowsOf(launch["grid"][0]);
    for (int64_t r = 0; r < rows; ++r)
      layerNorm(pointer(args[1]) + r * E, vector(args[2]), vector(args[3]),
                pointer(args[4]) + r * E, E, epsilon);
  } else if (kind == "gather_last") {
    std::copy_n(pointer(args[1]) + (T - 1) * E, E, pointer(args[2]));
  } else if (kind == "kv_write") {
    const float *source = pointer(args[1]);
    float *cache = pointer(args[2]);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t e = 0; e < E; ++e)
        cache[((e / D) * C + P + t) * D + e % D] = source[t * 3 * E + e];
  } else if (kind == "gemv" || kind == "gemm") {
    const Slot &weight = slot(args[2]);
    bool transposed = weight.recipe.layout == PackedLayout::NK; // [K][N] stored [N][K]
    int64_t n = transposed ? weight.shape[1] : weight.shape[0];
    int64_t k = transposed ? weight.shape[0] : weight.shape[1];
    int64_t weights = 0, scratches = 0;
    for (const Json &argument : args)
      weights += argument["kind"] == "weight", scratches += argument["kind"] == "scratch";
    bool bias = weights >= 2, norm = kind == "gemv" && weights == 4, residual = scratches == 3;
    bool gelu = weight.recipe.tensor.find("mlp.c_fc") != std::string::npos;
    std::size_t next = bias ? 4 : 3;
    const float *gamma = norm ? vector(args[4]) : nullptr;
    const float *beta = norm ? vector(args[5]) : nullptr;
    const float *biases = bias ? vector(args[3]) : nullptr;
    next += norm ? 2 : 0;
    const float *residualRows = residual ? pointer(args[next++]) : nullptr;
    bool toLogits = args[next]["kind"] == "logits";
    float *out = pointer(args[next++]);
    bool writesCaches = next + 2 == args.size();
    int64_t outStride = toLogits ? config.vocabSize : n;
    int64_t rows = rowsOf(launch["grid"][1]);
    std::vector<float> x(static_cast<std::size_t>(k)), y(static_cast<std::size_t>(rows * n));
    for (int64_t r = 0; r < rows; ++r) {
      const float *input = pointer(args[1]) + r * k;
      if (norm)
        layerNorm(input, gamma, beta, x.data(), k, epsilon);
      else
        std::copy_n(input, k, x.begin());
      if (kind == "gemm") // tensor-core inputs are rounded to the weight type
        for (float &value : x)
          value = roundTo(value, weight.recipe.dtype);
      for (int64_t c = 0; c < n; ++c) {
        double total = 0;
        for (int64_t i = 0; i < k; ++i)
          total += double(x[std::size_t(i)]) * weight.values[std::size_t(c * k + i)];
        float value = float(total) + (bias ? biases[c] : 0.0f);
        if (gelu)
          value = test::gelu(value);
        if (residual)
          value += residualRows[r * n + c];
        y[std::size_t(r * n + c)] = value;
      }
    }
    for (int64_t r = 0; r < rows; ++r) {
      std::copy_n(y.begin() + r * n, n, out + r * outStride);
      if (writesCaches) // keys then values, at position P + r (rows are this step's tokens)
        for (int64_t e = 0; e < E; ++e) {
          pointer(args[next])[((e / D) * C + P + r) * D + e % D] = y[std::size_t(r * n + E + e)];
          pointer(args[next + 1])[((e / D) * C + P + r) * D + e % D] =
              y[std::size_t(r * n + 2 * E + e)];
        }
    }
  } else if (kind == "attention") {
    for (int64_t t = 0; t < T; ++t)
      attend(pointer(args[1]) + t * 3 * E, pointer(args[2]), pointer(args[3]), P + t,
             pointer(args[4]) + t * E);
  } else if (kind == "attention_mma") {
    // Tensor-core attention takes f16 operands whatever the weights (the sm_90
    // schedules' choice, passes/lib/GpuSchedules.cpp).
    for (int64_t t = 0; t < T; ++t)
      attend(pointer(args[1]) + t * 3 * E, pointer(args[2]), pointer(args[3]), P + t,
             pointer(args[4]) + t * E, PackedDType::F16);
  } else if (kind == "attention_decode") {
    // The split and its merge in one launch: the partials (args[4]) and the
    // counters (args[5]) are the kernel's own business.
    if (args[5]["kind"] != "counters")
      fail("emulator: {} takes the counters as its sixth argument, not {}", name, args[5].dump());
    attend(pointer(args[1]) + (T - 1) * 3 * E, pointer(args[2]), pointer(args[3]), P + T - 1,
           pointer(args[6]));
  } else {
    fail("emulator: unknown kernel kind '{}'", kind);
  }
}

} // namespace gpt2c::test
