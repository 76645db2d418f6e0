// Evaluators of the gpt2 operations. Shapes were checked by the verifiers; what
// only run-time values can violate (token ids, positions, cache capacity) is
// checked here and reported with the op's location.
#include "Evaluators.h"
#include "Kernels.h"

#include "gpt2c/IR/Gpt2Dialect.h"
#include "gpt2c/IR/Gpt2Interfaces.h"
#include "gpt2c/interpreter/Frame.h"

#include <algorithm>
#include <limits>

using namespace mlir;

namespace gpt2c::interp {
namespace {

std::vector<std::int64_t> staticShape(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return {type.getShape().begin(), type.getShape().end()};
}

// The weight behind `value` when a gpt2.weight op defines it (null otherwise).
gpt2::WeightOp definingWeight(Value value) { return value.getDefiningOp<gpt2::WeightOp>(); }

void evaluateWeight(gpt2::WeightOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    // The whole tensor type: an i8 weight's values depend on its #gpt2.int8 encoding.
    frame.set(op.getResult(), frame.weights().get<T>(op.getTensorName().str(),
                                                     staticShape(op.getResult()),
                                                     op.getResult().getType()));
  });
}

void evaluatePositionIds(gpt2::PositionIdsOp op, Frame &frame) {
  const Tensor<std::int32_t> ids = frame.tensor<std::int32_t>(op.getIds());
  std::int64_t past = frame.index(op.getPastLength());
  std::int64_t batch = ids.dim(0), tokens = ids.dim(1);
  if (past < 0 || past + tokens > std::numeric_limits<std::int32_t>::max())
    Frame::fail(op, "past length " + std::to_string(past) + " is out of range");
  Tensor<std::int32_t> positions(ids.shape());
  std::int32_t *out = positions.mutableData();
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t t = 0; t < tokens; ++t)
      out[b * tokens + t] = std::int32_t(past + t);
  frame.set(op.getResult(), std::move(positions));
}

void evaluateEmbedding(gpt2::EmbeddingOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> table = frame.tensor<T>(op.getTable());
    const Tensor<std::int32_t> ids = frame.tensor<std::int32_t>(op.getIds());
    std::int64_t rows = table.dim(0), width = table.dim(1);
    Tensor<T> result({ids.dim(0), ids.dim(1), width});
    T *out = result.mutableData();
    for (std::int64_t i = 0; i < ids.size(); ++i) {
      std::int32_t id = ids.data()[i];
      if (id < 0 || id >= rows)
        Frame::fail(op, "index " + std::to_string(id) + " is out of range [0, " +
                            std::to_string(rows) + ") of the table");
      std::copy_n(table.data() + id * width, width, out + i * width);
    }
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateLayerNorm(gpt2::LayerNormOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> input = frame.tensor<T>(op.getInput());
    std::int64_t width = input.shape().back();
    Tensor<T> result(input.shape());
    kernels::layerNorm(input.size() / width, width, input.data(),
                       frame.tensor<T>(op.getGamma()).data(), frame.tensor<T>(op.getBeta()).data(),
                       op.getEpsilon().convertToDouble(), result.mutableData());
    frame.set(op.getResult(), std::move(result));
  });
}

// input [..., K] times weight [K, N] plus bias [N].
template <typename T>
Tensor<T> linearRows(const Tensor<T> &input, const Tensor<T> &weight, const Tensor<T> &bias) {
  std::int64_t k = weight.dim(0), n = weight.dim(1), m = input.size() / k;
  std::vector<std::int64_t> shape = input.shape();
  shape.back() = n;
  Tensor<T> result(shape);
  T *out = result.mutableData();
  for (std::int64_t row = 0; row < m; ++row)
    std::copy_n(bias.data(), n, out + row * n);
  kernels::matmul(m, n, k, input.data(), k, weight.data(), n, out, n, /*accumulate=*/true);
  return result;
}

void evaluateLinear(gpt2::LinearOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> input = frame.tensor<T>(op.getInput());
    const Tensor<T> weight = frame.tensor<T>(op.getWeight());
    const Tensor<T> bias = frame.tensor<T>(op.getBias());
    frame.set(op.getResult(), linearRows(input, weight, bias));
  });
}

void evaluateGelu(gpt2::GeluOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> input = frame.tensor<T>(op.getInput());
    Tensor<T> result(input.shape());
    kernels::gelu(input.size(), input.data(), result.mutableData());
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateAdd(gpt2::AddOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> lhs = frame.tensor<T>(op.getLhs());
    const Tensor<T> rhs = frame.tensor<T>(op.getRhs());
    if (lhs.shape() != rhs.shape())
      Frame::fail(op, "operands have different run-time shapes");
    Tensor<T> result(lhs.shape());
    T *out = result.mutableData();
    for (std::int64_t i = 0; i < lhs.size(); ++i)
      out[i] = lhs.data()[i] + rhs.data()[i];
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateSplitQkv(gpt2::SplitQkvOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> qkv = frame.tensor<T>(op.getQkv());
    std::int64_t batch = qkv.dim(0), tokens = qkv.dim(1), width = qkv.dim(2) / 3;
    std::int64_t heads = op.getNumHeads(), headDim = width / heads;
    Value parts[3] = {op.getQuery(), op.getKey(), op.getValue()};
    for (int part = 0; part < 3; ++part) {
      Tensor<T> result({batch, heads, tokens, headDim});
      T *out = result.mutableData();
      for (std::int64_t b = 0; b < batch; ++b)
        for (std::int64_t h = 0; h < heads; ++h)
          for (std::int64_t t = 0; t < tokens; ++t)
            std::copy_n(qkv.data() + ((b * tokens + t) * 3 + part) * width + h * headDim, headDim,
                        out + ((b * heads + h) * tokens + t) * headDim);
      frame.set(parts[part], std::move(result));
    }
  });
}

void evaluateMergeHeads(gpt2::MergeHeadsOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> input = frame.tensor<T>(op.getInput());
    std::int64_t batch = input.dim(0), heads = input.dim(1), tokens = input.dim(2),
                 headDim = input.dim(3);
    Tensor<T> result({batch, tokens, heads * headDim});
    T *out = result.mutableData();
    for (std::int64_t b = 0; b < batch; ++b)
      for (std::int64_t h = 0; h < heads; ++h)
        for (std::int64_t t = 0; t < tokens; ++t)
          std::copy_n(input.data() + ((b * heads + h) * tokens + t) * headDim, headDim,
                      out + (b * tokens + t) * heads * headDim + h * headDim);
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateCacheWrite(gpt2::CacheWriteOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> update = frame.tensor<T>(op.getUpdate());
    std::int64_t position = frame.index(op.getPosition());
    // The updated cache reuses the old cache's storage when nothing else holds it.
    Tensor<T> cache = frame.claim<T>(op.getCache());
    std::int64_t batch = cache.dim(0), heads = cache.dim(1), capacity = cache.dim(2),
                 headDim = cache.dim(3), tokens = update.dim(2);
    if (update.dim(0) != batch)
      Frame::fail(op, "update batch " + std::to_string(update.dim(0)) +
                          " differs from cache batch " + std::to_string(batch));
    if (position < 0 || position + tokens > capacity)
      Frame::fail(op, "writing " + std::to_string(tokens) + " tokens at position " +
                          std::to_string(position) + " exceeds the cache capacity of " +
                          std::to_string(capacity));
    T *out = cache.mutableData();
    for (std::int64_t b = 0; b < batch; ++b)
      for (std::int64_t h = 0; h < heads; ++h)
        std::copy_n(update.data() + (b * heads + h) * tokens * headDim, tokens * headDim,
                    out + ((b * heads + h) * capacity + position) * headDim);
    frame.set(op.getResult(), std::move(cache));
  });
}

void evaluateCacheRead(gpt2::CacheReadOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> cache = frame.tensor<T>(op.getCache());
    std::int64_t length = frame.index(op.getLength());
    std::int64_t batch = cache.dim(0), heads = cache.dim(1), capacity = cache.dim(2),
                 headDim = cache.dim(3);
    if (length < 0 || length > capacity)
      Frame::fail(op, "reading " + std::to_string(length) + " positions from a cache of capacity " +
                          std::to_string(capacity));
    Tensor<T> result({batch, heads, length, headDim});
    T *out = result.mutableData();
    for (std::int64_t bh = 0; bh < batch * heads; ++bh)
      std::copy_n(cache.data() + bh * capacity * headDim, length * headDim,
                  out + bh * length * headDim);
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateBatchMatmul(gpt2::BatchMatmulOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> lhs = frame.tensor<T>(op.getLhs());
    const Tensor<T> rhs = frame.tensor<T>(op.getRhs());
    bool transposed = op.getTransposeRhs();
    std::int64_t batch = lhs.dim(0) * lhs.dim(1), m = lhs.dim(2), k = lhs.dim(3);
    std::int64_t n = transposed ? rhs.dim(2) : rhs.dim(3);
    if (rhs.dim(0) * rhs.dim(1) != batch || (transposed ? rhs.dim(3) : rhs.dim(2)) != k)
      Frame::fail(op, "operands have incompatible run-time shapes");
    Tensor<T> result({lhs.dim(0), lhs.dim(1), m, n});
    T *out = result.mutableData();
    std::vector<T> rhsTransposed(transposed ? std::size_t(k * n) : 0);
    for (std::int64_t i = 0; i < batch; ++i) {
      const T *b = rhs.data() + i * k * n;
      if (transposed) { // rhs [n, k] -> [k, n]
        kernels::transpose(k, n, b, rhsTransposed.data());
        b = rhsTransposed.data();
      }
      kernels::matmul(m, n, k, lhs.data() + i * m * k, k, b, n, out + i * m * n, n, false);
    }
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateScale(gpt2::ScaleOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> input = frame.tensor<T>(op.getInput());
    T factor = T(op.getFactor().convertToFloat());
    Tensor<T> result(input.shape());
    T *out = result.mutableData();
    for (std::int64_t i = 0; i < input.size(); ++i)
      out[i] = input.data()[i] * factor;
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateCausalMask(gpt2::CausalMaskOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    Tensor<T> scores = frame.claim<T>(op.getScores());
    std::int64_t past = frame.index(op.getPastLength());
    std::int64_t planes = scores.dim(0) * scores.dim(1), queries = scores.dim(2),
                 keys = scores.dim(3);
    T *out = scores.mutableData();
    const T lowest = std::numeric_limits<T>::lowest();
    for (std::int64_t p = 0; p < planes; ++p)
      for (std::int64_t i = 0; i < queries; ++i)
        for (std::int64_t j = std::max<std::int64_t>(0, past + i + 1); j < keys; ++j)
          out[(p * queries + i) * keys + j] = lowest;
    frame.set(op.getResult(), std::move(scores));
  });
}

void evaluateSoftmax(gpt2::SoftmaxOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> input = frame.tensor<T>(op.getInput());
    std::int64_t width = input.shape().back();
    Tensor<T> result(input.shape());
    if (width > 0)
      kernels::softmax(input.size() / width, width, input.data(), result.mutableData());
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateLmHead(gpt2::LmHeadOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> input = frame.tensor<T>(op.getInput());
    std::vector<std::int64_t> weightShape = staticShape(op.getWeight());
    std::int64_t vocab = weightShape[0], width = weightShape[1], rows = input.size() / width;
    // The product needs weight^T [E, V]; a store weight is transposed once and cached.
    Tensor<T> transposedLocal;
    const Tensor<T> *transposed = &transposedLocal;
    if (auto weight = definingWeight(op.getWeight())) {
      transposed = &frame.weights().getTransposed<T>(
          weight.getTensorName().str(), weightShape, weight.getResult().getType());
    } else {
      transposedLocal = Tensor<T>({width, vocab});
      kernels::transpose(width, vocab, frame.tensor<T>(op.getWeight()).data(),
                         transposedLocal.mutableData());
    }
    std::vector<std::int64_t> shape = input.shape();
    shape.back() = vocab;
    Tensor<T> result(shape);
    kernels::matmul(rows, vocab, width, input.data(), width, transposed->data(), vocab,
                    result.mutableData(), vocab, false);
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateFusedLinear(gpt2::FusedLinearOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    Tensor<T> input = frame.tensor<T>(op.getInput());
    const Tensor<T> weight = frame.tensor<T>(op.getWeight());
    const Tensor<T> bias = frame.tensor<T>(op.getBias());
    std::int64_t k = weight.dim(0), m = input.size() / k;
    if (op.getGamma()) {
      Tensor<T> normed(input.shape());
      kernels::layerNorm(m, k, input.data(), frame.tensor<T>(op.getGamma()).data(),
                         frame.tensor<T>(op.getBeta()).data(),
                         op.getEpsilon()->convertToDouble(), normed.mutableData());
      input = normed;
    }
    Tensor<T> result = linearRows(input, weight, bias);
    T *out = result.mutableData();
    if (op.getGelu())
      kernels::gelu(result.size(), out, out);
    if (op.getResidual()) {
      const Tensor<T> residual = frame.tensor<T>(op.getResidual());
      if (residual.shape() != result.shape())
        Frame::fail(op, "residual has a different run-time shape");
      for (std::int64_t i = 0; i < result.size(); ++i)
        out[i] += residual.data()[i];
    }
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateAttention(gpt2::AttentionOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> query = frame.tensor<T>(op.getQuery());
    const Tensor<T> keys = frame.tensor<T>(op.getKeys());
    const Tensor<T> values = frame.tensor<T>(op.getValues());
    std::int64_t past = frame.index(op.getPastLength()), length = frame.index(op.getLength());
    std::int64_t batch = query.dim(0), heads = query.dim(1), tokens = query.dim(2),
                 headDim = query.dim(3), capacity = keys.dim(2);
    if (keys.dim(0) != batch)
      Frame::fail(op, "query batch " + std::to_string(batch) + " differs from cache batch " +
                          std::to_string(keys.dim(0)));
    if (length < 1 || length > capacity)
      Frame::fail(op, "reading " + std::to_string(length) + " key positions from a cache of capacity " +
                          std::to_string(capacity));
    if (past < 0)
      Frame::fail(op, "negative past length " + std::to_string(past));
    T scale = T(op.getScale().convertToFloat());
    const T lowest = std::numeric_limits<T>::lowest();
    Tensor<T> result(query.shape());
    T *out = result.mutableData();
    std::vector<T> keysTransposed(std::size_t(headDim * length)), scores(std::size_t(tokens * length));
    for (std::int64_t bh = 0; bh < batch * heads; ++bh) {
      const T *q = query.data() + bh * tokens * headDim;
      const T *k = keys.data() + bh * capacity * headDim;
      const T *v = values.data() + bh * capacity * headDim;
      kernels::transpose(headDim, length, k, keysTransposed.data());
      kernels::matmul(tokens, length, headDim, q, headDim, keysTransposed.data(), length,
                      scores.data(), length, false);
      for (std::int64_t i = 0; i < tokens; ++i)
        for (std::int64_t j = 0; j < length; ++j) {
          T &score = scores[std::size_t(i * length + j)];
          score = (op.getCausal() && j > past + i) ? lowest : score * scale;
        }
      kernels::softmax(tokens, length, scores.data(), scores.data());
      kernels::matmul(tokens, headDim, length, scores.data(), length, v, headDim,
                      out + bh * tokens * headDim, headDim, false);
    }
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateEmbed(gpt2::EmbedOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> tokens = frame.tensor<T>(op.getTokens());
    const Tensor<T> positions = frame.tensor<T>(op.getPositions());
    const Tensor<std::int32_t> ids = frame.tensor<std::int32_t>(op.getIds());
    std::int64_t past = frame.index(op.getPastLength());
    std::int64_t batch = ids.dim(0), count = ids.dim(1), width = tokens.dim(1);
    if (past < 0 || past + count > positions.dim(0))
      Frame::fail(op, "positions [" + std::to_string(past) + ", " + std::to_string(past + count) +
                          ") exceed the " + std::to_string(positions.dim(0)) + " position embeddings");
    Tensor<T> result({batch, count, width});
    T *out = result.mutableData();
    for (std::int64_t b = 0; b < batch; ++b)
      for (std::int64_t t = 0; t < count; ++t) {
        std::int32_t id = ids.data()[b * count + t];
        if (id < 0 || id >= tokens.dim(0))
          Frame::fail(op, "token id " + std::to_string(id) + " is out of range [0, " +
                              std::to_string(tokens.dim(0)) + ")");
        const T *token = tokens.data() + id * width, *place = positions.data() + (past + t) * width;
        T *row = out + (b * count + t) * width;
        for (std::int64_t e = 0; e < width; ++e)
          row[e] = token[e] + place[e];
      }
    frame.set(op.getResult(), std::move(result));
  });
}

void evaluateLastToken(gpt2::LastTokenOp op, Frame &frame) {
  withPrecision(frame, [&]<typename T>() {
    const Tensor<T> input = frame.tensor<T>(op.getInput());
    std::int64_t axis = op.getAxis(), positions = input.dim(axis);
    if (positions < 1)
      Frame::fail(op, "no position to take along axis " + std::to_string(axis));
    // [outer, positions, inner] -> [outer, 1, inner]
    std::int64_t outer = 1, inner = 1;
    for (std::int64_t d = 0; d < axis; ++d)
      outer *= input.dim(d);
    for (std::int64_t d = axis + 1; d < input.rank(); ++d)
      inner *= input.dim(d);
    std::vector<std::int64_t> shape = input.shape();
    shape[std::size_t(axis)] = 1;
    Tensor<T> result(shape);
    T *out = result.mutableData();
    for (std::int64_t o = 0; o < outer; ++o)
      std::copy_n(input.data() + (o * positions + positions - 1) * inner, inner, out + o * inner);
    frame.set(op.getResult(), std::move(result));
  });
}

template <typename OpT, void (*Evaluate)(OpT, Frame &)>
struct Evaluator
    : public gpt2::EvaluableOpInterface::ExternalModel<Evaluator<OpT, Evaluate>, OpT> {
  void evaluate(Operation *op, Frame &frame) const { Evaluate(cast<OpT>(op), frame); }
};

} // namespace

void registerGpt2Evaluators(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, gpt2::Gpt2Dialect *) {
    gpt2::WeightOp::attachInterface<Evaluator<gpt2::WeightOp, evaluateWeight>>(*context);
    gpt2::PositionIdsOp::attachInterface<Evaluator<gpt2::PositionIdsOp, evaluatePositionIds>>(
        *context);
    gpt2::EmbeddingOp::attachInterface<Evaluator<gpt2::EmbeddingOp, evaluateEmbedding>>(*context);
    gpt2::LayerNormOp::attachInterface<Evaluator<gpt2::LayerNormOp, evaluateLayerNorm>>(*context);
    gpt2::LinearOp::attachInterface<Evaluator<gpt2::LinearOp, evaluateLinear>>(*context);
    gpt2::GeluOp::attachInterface<Evaluator<gpt2::GeluOp, evaluateGelu>>(*context);
    gpt2::AddOp::attachInterface<Evaluator<gpt2::AddOp, evaluateAdd>>(*context);
    gpt2::SplitQkvOp::attachInterface<Evaluator<gpt2::SplitQkvOp, evaluateSplitQkv>>(*context);
    gpt2::MergeHeadsOp::attachInterface<Evaluator<gpt2::MergeHeadsOp, evaluateMergeHeads>>(
        *context);
    gpt2::CacheWriteOp::attachInterface<Evaluator<gpt2::CacheWriteOp, evaluateCacheWrite>>(
        *context);
    gpt2::CacheReadOp::attachInterface<Evaluator<gpt2::CacheReadOp, evaluateCacheRead>>(*context);
    gpt2::BatchMatmulOp::attachInterface<Evaluator<gpt2::BatchMatmulOp, evaluateBatchMatmul>>(
        *context);
    gpt2::ScaleOp::attachInterface<Evaluator<gpt2::ScaleOp, evaluateScale>>(*context);
    gpt2::CausalMaskOp::attachInterface<Evaluator<gpt2::CausalMaskOp, evaluateCausalMask>>(
        *context);
    gpt2::SoftmaxOp::attachInterface<Evaluator<gpt2::SoftmaxOp, evaluateSoftmax>>(*context);
    gpt2::LmHeadOp::attachInterface<Evaluator<gpt2::LmHeadOp, evaluateLmHead>>(*context);
    gpt2::FusedLinearOp::attachInterface<Evaluator<gpt2::FusedLinearOp, evaluateFusedLinear>>(
        *context);
    gpt2::AttentionOp::attachInterface<Evaluator<gpt2::AttentionOp, evaluateAttention>>(*context);
    gpt2::LastTokenOp::attachInterface<Evaluator<gpt2::LastTokenOp, evaluateLastToken>>(*context);
    gpt2::EmbedOp::attachInterface<Evaluator<gpt2::EmbedOp, evaluateEmbed>>(*context);
  });
}

} // namespace gpt2c::interp
