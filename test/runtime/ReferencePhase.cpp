// A reference phase library: the phase ABI (runtime/abi/PhaseAbi.h) implemented
// with plain loops, accumulating in double, so that the CPU executor, the artifact
// format and gpt2c-run can be tested end to end against transformers' golden
// outputs before compiled phase libraries exist. Slow, but a real GPT-2: token and
// position embedding, pre-norm blocks (causal self-attention over the cache, tanh
// GELU MLP, residuals), final layer norm, tied LM head.
//
// It is compiled for one model (GPT2C_REF_* definitions); its weight slots are
// those of referenceRecipes() (ReferenceModel.h) and every phase writes the keys
// and values of its tokens into the caches, as compiled phases do.
#include "gpt2c/abi/PhaseAbi.h"

#include "ReferenceScratch.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace {

constexpr std::int64_t kLayers = GPT2C_REF_LAYERS;
constexpr std::int64_t kEmbd = GPT2C_REF_EMBD;
constexpr std::int64_t kHeads = GPT2C_REF_HEADS;
constexpr std::int64_t kHeadDim = kEmbd / kHeads;
constexpr std::int64_t kInner = GPT2C_REF_INNER;
constexpr std::int64_t kVocab = GPT2C_REF_VOCAB;
constexpr std::int64_t kPositions = GPT2C_REF_POSITIONS;
constexpr std::int64_t kCapacity = GPT2C_REF_CAPACITY;
constexpr std::int64_t kMaxBatch = GPT2C_REF_MAX_BATCH;
constexpr std::int64_t kMaxTokens = GPT2C_REF_MAX_TOKENS;
constexpr bool kTransposedLinear = GPT2C_REF_LAYOUT_NK; // layout nk: [N][K]
constexpr double kEpsilon = 1e-5;
static_assert(kCapacity <= kPositions && kMaxTokens <= kCapacity);

gpt2c_parallel installedParallel{}; // parallel_for is null until the runtime installs one

struct LayerWeights {
  const float *ln1Gamma, *ln1Beta, *attnWeight, *attnBias, *projWeight, *projBias;
  const float *ln2Gamma, *ln2Beta, *fcWeight, *fcBias, *fcProjWeight, *fcProjBias;
};

struct ModelWeights {
  const float *wte, *wpe;
  LayerWeights layers[kLayers];
  const float *lnfGamma, *lnfBeta;
};

// The slots in expectedTensors() order.
ModelWeights bindWeights(const void *const *slots) {
  auto next = [&] { return static_cast<const float *>(*slots++); };
  ModelWeights weights;
  weights.wte = next();
  weights.wpe = next();
  for (LayerWeights &layer : weights.layers)
    layer = {next(), next(), next(), next(), next(), next(),
             next(), next(), next(), next(), next(), next()};
  weights.lnfGamma = next();
  weights.lnfBeta = next();
  return weights;
}

// Element (k, n) of a linear weight of K rows and N columns in the library's layout.
float linearWeight(const float *weight, std::int64_t k, std::int64_t n, std::int64_t inputs,
                   std::int64_t outputs) {
  return kTransposedLinear ? weight[n * inputs + k] : weight[k * outputs + n];
}

// y[r] = x[r] W + bias, plus y's previous value when accumulating (residuals).
void linear(const float *x, std::int64_t rows, std::int64_t inputs, std::int64_t outputs,
            const float *weight, const float *bias, float *y, bool accumulate) {
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t n = 0; n < outputs; ++n) {
      double sum = bias[n];
      for (std::int64_t k = 0; k < inputs; ++k)
        sum += double(x[r * inputs + k]) * linearWeight(weight, k, n, inputs, outputs);
      y[r * outputs + n] = float(accumulate ? y[r * outputs + n] + sum : sum);
    }
}

// Normalises each row over kEmbd values: biased variance, as PyTorch.
void layerNorm(const float *x, std::int64_t rows, const float *gamma, const float *beta, float *y) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float *row = x + r * kEmbd;
    double mean = 0, variance = 0;
    for (std::int64_t k = 0; k < kEmbd; ++k)
      mean += row[k];
    mean /= kEmbd;
    for (std::int64_t k = 0; k < kEmbd; ++k)
      variance += (row[k] - mean) * (row[k] - mean);
    variance /= kEmbd;
    double inverse = 1.0 / std::sqrt(variance + kEpsilon);
    for (std::int64_t k = 0; k < kEmbd; ++k)
      y[r * kEmbd + k] = float((row[k] - mean) * inverse * gamma[k] + beta[k]);
  }
}

float gelu(float value) {
  double x = value;
  return float(0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))));
}

std::int64_t cacheIndex(std::int64_t b, std::int64_t h, std::int64_t position, std::int64_t d) {
  return ((b * kHeads + h) * kCapacity + position) * kHeadDim + d;
}

// Scratch buffers, carved as ReferenceScratch.h lays them out.
struct Activations {
  float *hidden, *normed, *attention, *qkv, *mlp;
  double *probabilities;
};

constexpr std::int64_t kScratchRows = kMaxBatch * kMaxTokens;
constexpr std::int64_t kScratchFloats = kScratchRows * (3 * kEmbd + 3 * kEmbd + kInner);
static_assert(kScratchFloats * sizeof(float) + kCapacity * sizeof(double) ==
              gpt2c::test::referenceScratchBytes(kMaxBatch, kMaxTokens, kEmbd, kInner, kCapacity));

Activations carveScratch(void *scratch) {
  constexpr std::int64_t rows = kScratchRows;
  auto *floats = static_cast<float *>(scratch);
  Activations a;
  a.hidden = floats;
  a.normed = a.hidden + rows * kEmbd;
  a.attention = a.normed + rows * kEmbd;
  a.qkv = a.attention + rows * kEmbd;
  a.mlp = a.qkv + rows * 3 * kEmbd;
  a.probabilities = reinterpret_cast<double *>(a.mlp + rows * kInner);
  return a;
}

// Causal attention of T new tokens at positions past..past+T-1 of each sequence:
// stores their keys and values, then attends over the cache up to each position.
void attention(const gpt2c_step_args &args, std::int64_t layer, Activations &a) {
  const std::int64_t tokens = args.tokens, past = args.past;
  float *keys = args.keys[layer], *values = args.values[layer];
  for (std::int64_t b = 0; b < args.batch; ++b)
    for (std::int64_t t = 0; t < tokens; ++t) {
      const float *qkv = a.qkv + (b * tokens + t) * 3 * kEmbd;
      for (std::int64_t h = 0; h < kHeads; ++h)
        for (std::int64_t d = 0; d < kHeadDim; ++d) {
          keys[cacheIndex(b, h, past + t, d)] = qkv[kEmbd + h * kHeadDim + d];
          values[cacheIndex(b, h, past + t, d)] = qkv[2 * kEmbd + h * kHeadDim + d];
        }
    }
  const double scale = 1.0 / std::sqrt(double(kHeadDim));
  for (std::int64_t b = 0; b < args.batch; ++b)
    for (std::int64_t t = 0; t < tokens; ++t) {
      const float *query = a.qkv + (b * tokens + t) * 3 * kEmbd;
      float *out = a.attention + (b * tokens + t) * kEmbd;
      const std::int64_t length = past + t + 1;
      for (std::int64_t h = 0; h < kHeads; ++h) {
        double highest = -INFINITY;
        for (std::int64_t j = 0; j < length; ++j) {
          double score = 0;
          for (std::int64_t d = 0; d < kHeadDim; ++d)
            score += double(query[h * kHeadDim + d]) * keys[cacheIndex(b, h, j, d)];
          a.probabilities[j] = score * scale;
          highest = std::max(highest, a.probabilities[j]);
        }
        double total = 0;
        for (std::int64_t j = 0; j < length; ++j)
          total += a.probabilities[j] = std::exp(a.probabilities[j] - highest);
        for (std::int64_t d = 0; d < kHeadDim; ++d) {
          double sum = 0;
          for (std::int64_t j = 0; j < length; ++j)
            sum += a.probabilities[j] * values[cacheIndex(b, h, j, d)];
          out[h * kHeadDim + d] = float(sum / total);
        }
      }
    }
}

struct LmHeadTask {
  const float *rows; // normed final hidden states [count][E]
  std::int64_t count;
  const float *wte;
  float *logits; // [count][V]
};

int32_t lmHeadChunk(void *closure, int64_t begin, int64_t end) {
  const auto &task = *static_cast<const LmHeadTask *>(closure);
  for (std::int64_t r = 0; r < task.count; ++r)
    for (std::int64_t v = begin; v < end; ++v) {
      double sum = 0;
      for (std::int64_t e = 0; e < kEmbd; ++e)
        sum += double(task.rows[r * kEmbd + e]) * task.wte[v * kEmbd + e];
      task.logits[r * kVocab + v] = float(sum);
    }
  return GPT2C_OK;
}

enum class Phase { Prefill, Decode, Score };

int32_t runStep(const gpt2c_step_args *args, Phase phase) {
  if (!args || args->batch < 1 || args->batch > kMaxBatch || args->tokens < 1 ||
      args->tokens > kMaxTokens || args->past < 0 || args->past + args->tokens > kCapacity ||
      (phase == Phase::Decode ? args->tokens != 1 : args->past != 0))
    return GPT2C_BAD_ARGUMENTS;
  const std::int64_t tokens = args->tokens, rows = args->batch * tokens;
  for (std::int64_t i = 0; i < rows; ++i)
    if (args->ids[i] < 0 || args->ids[i] >= kVocab)
      return GPT2C_BAD_ARGUMENTS;
  ModelWeights w = bindWeights(args->weights);
  Activations a = carveScratch(args->scratch);

  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t position = args->past + r % tokens;
    for (std::int64_t e = 0; e < kEmbd; ++e)
      a.hidden[r * kEmbd + e] = w.wte[args->ids[r] * kEmbd + e] + w.wpe[position * kEmbd + e];
  }
  for (std::int64_t l = 0; l < kLayers; ++l) {
    const LayerWeights &layer = w.layers[l];
    layerNorm(a.hidden, rows, layer.ln1Gamma, layer.ln1Beta, a.normed);
    linear(a.normed, rows, kEmbd, 3 * kEmbd, layer.attnWeight, layer.attnBias, a.qkv, false);
    attention(*args, l, a);
    linear(a.attention, rows, kEmbd, kEmbd, layer.projWeight, layer.projBias, a.hidden, true);
    layerNorm(a.hidden, rows, layer.ln2Gamma, layer.ln2Beta, a.normed);
    linear(a.normed, rows, kEmbd, kInner, layer.fcWeight, layer.fcBias, a.mlp, false);
    std::transform(a.mlp, a.mlp + rows * kInner, a.mlp, gelu);
    linear(a.mlp, rows, kInner, kEmbd, layer.fcProjWeight, layer.fcProjBias, a.hidden, true);
  }

  // Score keeps every row; prefill and decode only each sequence's last one.
  std::int64_t outputs = 0;
  for (std::int64_t r = 0; r < rows; ++r)
    if (phase == Phase::Score || r % tokens == tokens - 1)
      layerNorm(a.hidden + r * kEmbd, 1, w.lnfGamma, w.lnfBeta, a.normed + outputs++ * kEmbd);
  LmHeadTask task{a.normed, outputs, w.wte, args->logits};
  if (installedParallel.parallel_for)
    return installedParallel.parallel_for(installedParallel.pool, kVocab, lmHeadChunk, &task);
  return lmHeadChunk(&task, 0, kVocab);
}

} // namespace

extern "C" {
int32_t gpt2c_abi_version(void) { return GPT2C_ABI_VERSION; }
void gpt2c_set_parallel(const gpt2c_parallel *parallel) { installedParallel = *parallel; }
int32_t gpt2c_run_prefill(const gpt2c_step_args *args) { return runStep(args, Phase::Prefill); }
int32_t gpt2c_run_decode(const gpt2c_step_args *args) { return runStep(args, Phase::Decode); }
int32_t gpt2c_run_score(const gpt2c_step_args *args) { return runStep(args, Phase::Score); }
}
