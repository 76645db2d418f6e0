// CostModelOpInterface of the gpt2 ops, attached as external models. The
// conventions are those documented in Gpt2CostInterface.h.
#include "gpt2c/IR/Gpt2CostInterface.h"
#include "gpt2c/IR/Gpt2Dialect.h"

#include "mlir/IR/Matchers.h"

#include "llvm/Support/FormatVariadic.h"

#include "gpt2c/IR/Gpt2CostInterface.cpp.inc"

using namespace mlir;

namespace gpt2c::gpt2 {
namespace {

constexpr double kScaleBytes = 4;     // int8 scales are float32
constexpr int64_t kHeadTokenAxis = 2; // [B, H, T, D] queries, [B, H, C, D] caches

RankedTensorType tensorType(Value value) { return cast<RankedTensorType>(value.getType()); }

// Extent of dimension `axis`, 0 while it is dynamic (an unspecialised op costs nothing).
double extent(Value value, int64_t axis) {
  int64_t size = tensorType(value).getDimSize(axis);
  return ShapedType::isDynamic(size) ? 0 : double(size);
}

double elements(RankedTensorType type) {
  return type.hasStaticShape() ? double(type.getNumElements()) : 0;
}
double elements(Value value) { return elements(tensorType(value)); }

// Elements of `value` divided by its last dimension: the rows of a row-wise op.
double rows(Value value) {
  double last = extent(value, tensorType(value).getRank() - 1);
  return last > 0 ? elements(value) / last : 0;
}

double elementBytes(Type type) { return double(type.getIntOrFloatBitWidth()) / 8; }

// Number of float32 scales of an int8 tensor: one per group per output channel.
double scaleCount(RankedTensorType type, Int8QuantAttr quant) {
  double channels = double(type.getDimSize(quant.getAxis()));
  double perChannel = elements(type) / channels;
  int64_t group = quant.getGroupSize();
  double groups = group > 0 ? std::ceil(perChannel / double(group)) : 1;
  return channels * groups;
}

// Bytes of a tensor at its storage type, int8 scales included.
double storageBytes(RankedTensorType type) {
  if (!type.hasStaticShape())
    return 0;
  double bytes = elements(type) * elementBytes(type.getElementType());
  if (auto quant = dyn_cast_or_null<Int8QuantAttr>(type.getEncoding()))
    bytes += kScaleBytes * scaleCount(type, quant);
  return bytes;
}

// Accumulates the bytes an op reads and writes, separating the weights.
class Traffic {
public:
  // Reads `fraction` of `value` (1: all of it). Index operands (positions,
  // lengths) are scalars in registers, not memory traffic.
  Traffic &read(Value value, double fraction = 1) {
    if (!isa<RankedTensorType>(value.getType()))
      return *this;
    double bytes = storageBytes(tensorType(value)) * fraction;
    cost_.bytesRead += bytes;
    if (value.getDefiningOp<WeightOp>())
      cost_.weightBytes += bytes;
    return *this;
  }
  Traffic &readAll(ValueRange values) {
    for (Value value : values)
      read(value);
    return *this;
  }
  Traffic &write(Value value) { return written(storageBytes(tensorType(value))); }
  Traffic &written(double bytes) {
    cost_.bytesWritten += bytes;
    return *this;
  }
  OpCost withFlops(double flops) const {
    OpCost cost = cost_;
    cost.flops = flops;
    return cost;
  }

private:
  OpCost cost_;
};

// Reads every operand, writes every result.
Traffic operandsAndResults(Operation *op) {
  Traffic traffic;
  traffic.readAll(op->getOperands());
  for (Value result : op->getResults())
    traffic.write(result);
  return traffic;
}

// Key positions an attention or cache read touches: its constant `length`, or
// the whole capacity of the cache when the length is only known at run time.
struct KeyPositions {
  double count;
  bool fromLength;
};

KeyPositions keyPositions(Value length, Value cache) {
  APInt constant;
  if (matchPattern(length, m_ConstantInt(&constant)))
    return {double(constant.getSExtValue()), true};
  return {extent(cache, kHeadTokenAxis), false};
}

std::string describe(KeyPositions keys) {
  auto count = int64_t(keys.count);
  if (keys.fromLength)
    return llvm::formatv("L={0}", count).str();
  return llvm::formatv("L={0} (cache capacity: length not constant)", count).str();
}

// Fraction of a [B, H, C, D] cache that L key positions cover.
double cacheFraction(Value cache, KeyPositions keys) {
  double capacity = extent(cache, kHeadTokenAxis);
  return capacity > 0 ? keys.count / capacity : 0;
}

// Share of a [rows, E] table's storage (scales included) that `gathered` row
// lookups read.
double gatheredShare(Value table, double gathered) {
  double rows = extent(table, 0);
  return rows > 0 ? gathered / rows : 0;
}

// 2·M·K·N + M·N: the product and the bias.
double linearFlops(Value input, Value weight) {
  double m = rows(input), k = extent(weight, 0), n = extent(weight, 1);
  return 2 * m * k * n + m * n;
}

//===----------------------------------------------------------------------===//
// Costs per op
//===----------------------------------------------------------------------===//

OpCost costOf(WeightOp) { return {}; }
OpCost costOf(WeightStoreOp) { return {}; }

OpCost costOf(PositionIdsOp op) { return Traffic().write(op.getResult()).withFlops(0); }

OpCost costOf(EmbeddingOp op) {
  double gathered = elements(op.getIds());
  return Traffic()
      .read(op.getIds())
      .read(op.getTable(), gatheredShare(op.getTable(), gathered))
      .write(op.getResult())
      .withFlops(0);
}

// position_ids, both gathers and their sum in one: B*T*E additions.
OpCost costOf(EmbedOp op) {
  double gathered = elements(op.getIds());
  return Traffic()
      .read(op.getIds())
      .read(op.getTokens(), gatheredShare(op.getTokens(), gathered))
      .read(op.getPositions(), gatheredShare(op.getPositions(), gathered))
      .write(op.getResult())
      .withFlops(elements(op.getResult()));
}

OpCost costOf(LayerNormOp op) {
  return operandsAndResults(op).withFlops(kLayerNormFlopsPerElement * elements(op.getInput()));
}

OpCost costOf(LinearOp op) {
  return operandsAndResults(op).withFlops(linearFlops(op.getInput(), op.getWeight()));
}

OpCost costOf(GeluOp op) {
  return operandsAndResults(op).withFlops(kGeluFlopsPerElement * elements(op.getResult()));
}

OpCost costOf(AddOp op) { return operandsAndResults(op).withFlops(elements(op.getResult())); }
OpCost costOf(ScaleOp op) { return operandsAndResults(op).withFlops(elements(op.getResult())); }
OpCost costOf(CausalMaskOp op) {
  return operandsAndResults(op).withFlops(elements(op.getResult()));
}

OpCost costOf(SoftmaxOp op) {
  return operandsAndResults(op).withFlops(kSoftmaxFlopsPerElement * elements(op.getResult()));
}

OpCost costOf(SplitQkvOp op) { return operandsAndResults(op).withFlops(0); }
OpCost costOf(MergeHeadsOp op) { return operandsAndResults(op).withFlops(0); }

OpCost costOf(LastTokenOp op) {
  double copied = storageBytes(tensorType(op.getResult()));
  double whole = storageBytes(tensorType(op.getInput()));
  return Traffic()
      .read(op.getInput(), whole > 0 ? copied / whole : 0)
      .write(op.getResult())
      .withFlops(0);
}

// Only the T new positions of the cache are touched.
OpCost costOf(CacheWriteOp op) {
  return Traffic().read(op.getUpdate()).write(op.getUpdate()).withFlops(0);
}

OpCost costOf(CacheReadOp op) {
  KeyPositions keys = keyPositions(op.getLength(), op.getCache());
  Traffic traffic;
  traffic.read(op.getCache(), cacheFraction(op.getCache(), keys));
  double copied = storageBytes(tensorType(op.getCache())) * cacheFraction(op.getCache(), keys);
  return traffic.written(copied).withFlops(0);
}

OpCost costOf(BatchMatmulOp op) {
  auto lhs = tensorType(op.getLhs());
  double inner = extent(op.getLhs(), lhs.getRank() - 1);
  return operandsAndResults(op).withFlops(2 * elements(op.getResult()) * inner);
}

// Logits [rows, V] = input [rows, E] x weight^T [E, V]: no bias.
OpCost costOf(LmHeadOp op) {
  double vocabulary = extent(op.getWeight(), 0), embedding = extent(op.getWeight(), 1);
  return operandsAndResults(op).withFlops(2 * rows(op.getInput()) * vocabulary * embedding);
}

// As the layer norm, linear, GELU and add it replaces would count.
OpCost costOf(FusedLinearOp op) {
  double flops = linearFlops(op.getInput(), op.getWeight());
  if (op.getGamma())
    flops += kLayerNormFlopsPerElement * elements(op.getInput());
  if (op.getGelu())
    flops += kGeluFlopsPerElement * elements(op.getResult());
  if (op.getResidual())
    flops += elements(op.getResult());
  return operandsAndResults(op).withFlops(flops);
}

// Q·K^T and P·V over L key positions, with scale, mask and softmax on the scores.
OpCost costOf(AttentionOp op) {
  KeyPositions keys = keyPositions(op.getLength(), op.getKeys());
  double queries = rows(op.getQuery()); // B·H·T
  double headDim = extent(op.getQuery(), 3);
  double scores = queries * keys.count;
  double perScore = 1 + (op.getCausal() ? 1 : 0) + kSoftmaxFlopsPerElement;
  double flops = 4 * scores * headDim + perScore * scores;
  return Traffic()
      .read(op.getQuery())
      .read(op.getKeys(), cacheFraction(op.getKeys(), keys))
      .read(op.getValues(), cacheFraction(op.getValues(), keys))
      .write(op.getResult())
      .withFlops(flops);
}

template <typename OpT> std::string assumptionsOf(OpT) { return {}; }
std::string assumptionsOf(CacheReadOp op) {
  return describe(keyPositions(op.getLength(), op.getCache()));
}
std::string assumptionsOf(AttentionOp op) {
  return describe(keyPositions(op.getLength(), op.getKeys()));
}

template <typename OpT>
struct CostModel : public CostModelOpInterface::ExternalModel<CostModel<OpT>, OpT> {
  OpCost estimateCost(Operation *op) const { return costOf(cast<OpT>(op)); }
  std::string describeCostAssumptions(Operation *op) const { return assumptionsOf(cast<OpT>(op)); }
};

template <typename... OpTs> void attachCostModels(MLIRContext &context) {
  (OpTs::template attachInterface<CostModel<OpTs>>(context), ...);
}

} // namespace

void registerCostModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, Gpt2Dialect *) {
    attachCostModels<WeightStoreOp, WeightOp, PositionIdsOp, EmbeddingOp, EmbedOp, LayerNormOp,
                     LinearOp, GeluOp, AddOp, SplitQkvOp, MergeHeadsOp, CacheWriteOp, CacheReadOp,
                     BatchMatmulOp, ScaleOp, CausalMaskOp, SoftmaxOp, LmHeadOp, FusedLinearOp,
                     AttentionOp, LastTokenOp>(*context);
  });
}

} // namespace gpt2c::gpt2
