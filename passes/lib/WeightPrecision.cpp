// gpt2-weight-precision: narrows the storage type of the weight matrices and the
// embeddings; users keep computing in float32 (see Passes.td for the rules).
//
// The decision is taken per store tensor, not per gpt2.weight op: every phase
// (@prefill, @decode, @score) has its own ops for `wte`, and a tensor must be
// packed once, so all ops naming it get the same type, and only when every use
// of every one of them reads it as the same kind of matrix.
#include "gpt2c/passes/Passes.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSwitch.h"

namespace gpt2c {

#define GEN_PASS_DEF_WEIGHTPRECISION
#include "gpt2c/passes/Passes.h.inc"

using namespace mlir;

namespace {

enum class Storage { F32, BF16, F16, Int8 };

std::optional<Storage> parseStorage(StringRef name) {
  return llvm::StringSwitch<std::optional<Storage>>(name)
      .Case("f32", Storage::F32)
      .Case("bf16", Storage::BF16)
      .Case("f16", Storage::F16)
      .Case("int8", Storage::Int8)
      .Default(std::nullopt);
}

// How users read a weight, which decides the option that applies and the int8
// channel axis.
enum class WeightRole {
  Matrix, // linear / fused_linear weight [K, N]: output channels are columns (axis 1)
  Table,  // embedding / embed table or LM head [rows, E]: output channels are rows (axis 0)
  Keep,   // anything else (biases, layer-norm parameters, unknown users): untouched
};

WeightRole roleOfUse(OpOperand &use) {
  Operation *user = use.getOwner();
  if (auto linear = dyn_cast<gpt2::LinearOp>(user))
    return &use == &linear.getWeightMutable() ? WeightRole::Matrix : WeightRole::Keep;
  if (auto fused = dyn_cast<gpt2::FusedLinearOp>(user))
    return &use == &fused.getWeightMutable() ? WeightRole::Matrix : WeightRole::Keep;
  if (auto embedding = dyn_cast<gpt2::EmbeddingOp>(user))
    return &use == &embedding.getTableMutable() ? WeightRole::Table : WeightRole::Keep;
  if (auto embed = dyn_cast<gpt2::EmbedOp>(user))
    return &use == &embed.getTokensMutable() || &use == &embed.getPositionsMutable()
               ? WeightRole::Table
               : WeightRole::Keep;
  if (auto lmHead = dyn_cast<gpt2::LmHeadOp>(user))
    return &use == &lmHead.getWeightMutable() ? WeightRole::Table : WeightRole::Keep;
  return WeightRole::Keep;
}

// The one role every use of every op agrees on; Keep when they disagree or when
// the tensor is unused (nothing to gain, and no user to say how it is read).
WeightRole roleOfTensor(ArrayRef<gpt2::WeightOp> ops) {
  std::optional<WeightRole> agreed;
  for (gpt2::WeightOp op : ops)
    for (OpOperand &use : op.getResult().getUses()) {
      WeightRole role = roleOfUse(use);
      if (role == WeightRole::Keep || (agreed && *agreed != role))
        return WeightRole::Keep;
      agreed = role;
    }
  return agreed.value_or(WeightRole::Keep);
}

// The storage type of `op` under `storage`, or failure (diagnosed at the op).
FailureOr<RankedTensorType> narrowedType(gpt2::WeightOp op, Storage storage,
                                         std::int64_t channelAxis, std::int64_t groupSize) {
  RankedTensorType type = op.getResult().getType();
  MLIRContext *context = op.getContext();
  bool isInt8 = type.getElementType().isInteger(8);
  switch (storage) {
  case Storage::F32:
    return type;
  case Storage::BF16:
  case Storage::F16: {
    // int8 already lost more than a 16-bit float keeps: never widen it back.
    if (isInt8)
      return type;
    Type element = storage == Storage::BF16 ? Type(BFloat16Type::get(context))
                                            : Type(Float16Type::get(context));
    return RankedTensorType::get(type.getShape(), element);
  }
  case Storage::Int8:
    break;
  }
  auto encoding = gpt2::Int8QuantAttr::get(context, channelAxis, groupSize);
  if (isInt8) {
    if (type.getEncoding() == encoding)
      return type;
    return op.emitError() << "'" << op.getTensorName() << "' is already stored as " << type
                          << "; re-quantizing it as " << encoding << " would compound the rounding";
  }
  std::int64_t reduced = type.getDimSize(1 - channelAxis);
  if (groupSize != 0 && reduced % groupSize != 0)
    return op.emitError() << "group size " << groupSize << " does not divide the " << reduced
                          << " values of each output channel of '" << op.getTensorName()
                          << "' (" << type << ")";
  return RankedTensorType::get(type.getShape(), IntegerType::get(context, 8), encoding);
}

struct WeightPrecisionPass : impl::WeightPrecisionBase<WeightPrecisionPass> {
  using WeightPrecisionBase::WeightPrecisionBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<Storage> matrices = parseStorage(weights);
    std::optional<Storage> tables = embeddings.empty() ? matrices : parseStorage(embeddings);
    if (!matrices || !tables) {
      module.emitError() << "gpt2-weight-precision: unknown storage type '"
                         << (matrices ? embeddings : weights)
                         << "' (expected f32, bf16, f16 or int8)";
      return signalPassFailure();
    }
    const std::int64_t group = groupSize;
    if (group < 0) {
      module.emitError() << "gpt2-weight-precision: group-size must not be negative, got "
                         << group;
      return signalPassFailure();
    }
    if (group != 0 && *matrices != Storage::Int8 && *tables != Storage::Int8) {
      module.emitError() << "gpt2-weight-precision: group-size " << group
                         << " applies to int8 storage only";
      return signalPassFailure();
    }

    // Ops by (store, tensor name), in program order so that diagnostics are stable.
    llvm::MapVector<std::pair<Attribute, Attribute>, SmallVector<gpt2::WeightOp>> tensors;
    module.walk([&](gpt2::WeightOp op) {
      tensors[{op.getStoreAttr(), op.getTensorNameAttr()}].push_back(op);
    });

    for (auto &[key, ops] : tensors) {
      WeightRole role = roleOfTensor(ops);
      if (role == WeightRole::Keep)
        continue;
      Storage storage = role == WeightRole::Matrix ? *matrices : *tables;
      std::int64_t channelAxis = role == WeightRole::Matrix ? 1 : 0;
      SmallVector<RankedTensorType> types;
      for (gpt2::WeightOp op : ops) {
        FailureOr<RankedTensorType> type = narrowedType(op, storage, channelAxis, group);
        if (failed(type))
          break; // one diagnostic per tensor
        types.push_back(*type);
      }
      if (types.size() != ops.size()) {
        signalPassFailure();
        continue;
      }
      for (auto [op, type] : llvm::zip_equal(ops, types))
        op.getResult().setType(type);
    }
  }
};

} // namespace
} // namespace gpt2c
