#include "gpt2c/importer/Importer.h"

#include "gpt2c/IR/Gpt2Dialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include <cmath>

using namespace mlir;

namespace gpt2c {
namespace {

constexpr int64_t kDynamic = ShapedType::kDynamic;

Type elementTypeFor(MLIRContext &context, DType dtype) {
  switch (dtype) {
  case DType::F32:
    return Float32Type::get(&context);
  case DType::F16:
    return Float16Type::get(&context);
  case DType::BF16:
    return BFloat16Type::get(&context);
  default:
    llvm_unreachable("weight stores only hold F32, F16 and BF16 tensors");
  }
}

// Emits the IR of one forward step. Each op carries a name location
// ("h.3.mlp.c_fc") so that diagnostics point at the model part they concern.
class ForwardBuilder {
public:
  ForwardBuilder(MLIRContext &context, const WeightStore &store)
      : context_(context), store_(store), config_(store.config()), builder_(&context),
        f32_(builder_.getF32Type()) {}

  OwningOpRef<ModuleOp> build();

private:
  Location loc(const Twine &name) { return NameLoc::get(builder_.getStringAttr(name)); }
  RankedTensorType activation(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, f32_);
  }
  RankedTensorType cacheType() {
    return activation({kDynamic, config_.nHead, config_.nPositions, config_.headDim()});
  }
  Value weight(const std::string &name);
  Value layerNorm(const std::string &prefix, Value input);
  Value linear(const std::string &prefix, Value input, int64_t outWidth);
  Value attention(const std::string &prefix, Value hidden, Value &keyCache, Value &valueCache);
  Value mlp(const std::string &prefix, Value hidden);

  MLIRContext &context_;
  const WeightStore &store_;
  const ModelConfig &config_;
  OpBuilder builder_;
  Type f32_;
  Value pastLength_;
  Value cacheWindow_;
};

Value ForwardBuilder::weight(const std::string &name) {
  const WeightInfo &info = store_.weight(name);
  auto type = RankedTensorType::get(info.shape, elementTypeFor(context_, info.dtype));
  return gpt2::WeightOp::create(builder_, loc(name), type, kWeightStoreName, name);
}

Value ForwardBuilder::layerNorm(const std::string &prefix, Value input) {
  Value gamma = weight(prefix + ".weight"), beta = weight(prefix + ".bias");
  return gpt2::LayerNormOp::create(builder_, loc(prefix), input.getType(), input, gamma, beta,
                                            builder_.getF64FloatAttr(config_.layerNormEpsilon));
}

Value ForwardBuilder::linear(const std::string &prefix, Value input, int64_t outWidth) {
  Value w = weight(prefix + ".weight"), b = weight(prefix + ".bias");
  return gpt2::LinearOp::create(builder_, loc(prefix), activation({kDynamic, kDynamic, outWidth}),
                                         input, w, b);
}

Value ForwardBuilder::attention(const std::string &prefix, Value hidden, Value &keyCache,
                                Value &valueCache) {
  const int64_t e = config_.nEmbd, h = config_.nHead, d = config_.headDim();
  Value qkv = linear(prefix + ".c_attn", hidden, 3 * e);
  auto headsType = activation({kDynamic, h, kDynamic, d});
  Location at = loc(prefix);
  auto split = gpt2::SplitQkvOp::create(builder_, at, headsType, headsType, headsType, qkv,
                                                 builder_.getI64IntegerAttr(h));
  keyCache = gpt2::CacheWriteOp::create(builder_, at, cacheType(), keyCache, split.getKey(),
                                                 pastLength_);
  valueCache = gpt2::CacheWriteOp::create(builder_, at, cacheType(), valueCache, split.getValue(),
                                                   pastLength_);
  Value keys = gpt2::CacheReadOp::create(builder_, at, headsType, keyCache, cacheWindow_);
  Value values = gpt2::CacheReadOp::create(builder_, at, headsType, valueCache, cacheWindow_);

  auto scoresType = activation({kDynamic, h, kDynamic, kDynamic});
  Value scores = gpt2::BatchMatmulOp::create(builder_, at, scoresType, split.getQuery(), keys,
                                                      builder_.getUnitAttr());
  float factor = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  scores = gpt2::ScaleOp::create(builder_, at, scores.getType(), scores, builder_.getF32FloatAttr(factor));
  scores = gpt2::CausalMaskOp::create(builder_, at, scores.getType(), scores, pastLength_);
  Value probabilities = gpt2::SoftmaxOp::create(builder_, at, scores.getType(), scores);
  Value context = gpt2::BatchMatmulOp::create(builder_, at, headsType, probabilities, values,
                                                       UnitAttr());
  Value merged =
      gpt2::MergeHeadsOp::create(builder_, at, activation({kDynamic, kDynamic, e}), context);
  return linear(prefix + ".c_proj", merged, e);
}

Value ForwardBuilder::mlp(const std::string &prefix, Value hidden) {
  Value up = linear(prefix + ".c_fc", hidden, config_.nInner);
  Value activated = gpt2::GeluOp::create(builder_, loc(prefix), up.getType(), up);
  return linear(prefix + ".c_proj", activated, config_.nEmbd);
}

OwningOpRef<ModuleOp> ForwardBuilder::build() {
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc(store_.source()));
  module->getOperation()->setAttr(
      gpt2::kConfigAttrName,
      gpt2::ConfigAttr::get(&context_, config_.nLayer, config_.nEmbd, config_.nHead,
                            config_.nPositions, config_.vocabSize, config_.nInner,
                            builder_.getF64FloatAttr(config_.layerNormEpsilon),
                            builder_.getBoolAttr(config_.tieWordEmbeddings)));
  builder_.setInsertionPointToEnd(module->getBody());
  gpt2::WeightStoreOp::create(builder_, loc("weights"), kWeightStoreName, store_.source());

  auto idsType = RankedTensorType::get({kDynamic, kDynamic}, builder_.getI32Type());
  SmallVector<Type> inputs = {idsType, builder_.getIndexType()};
  SmallVector<Type> results = {activation({kDynamic, kDynamic, config_.vocabSize})};
  for (int64_t layer = 0; layer < config_.nLayer; ++layer) {
    inputs.append({cacheType(), cacheType()});
    results.append({cacheType(), cacheType()});
  }
  auto function = func::FuncOp::create(builder_, loc("forward"), kForwardFunctionName,
                                                builder_.getFunctionType(inputs, results));
  Block *body = function.addEntryBlock();
  builder_.setInsertionPointToStart(body);

  Value ids = body->getArgument(0);
  pastLength_ = body->getArgument(1);
  cacheWindow_ = arith::ConstantIndexOp::create(builder_, loc("cache_window"), config_.nPositions);
  auto hiddenType = activation({kDynamic, kDynamic, config_.nEmbd});
  Value positions = gpt2::PositionIdsOp::create(builder_, loc("positions"), idsType, ids, pastLength_);
  Value tokens =
      gpt2::EmbeddingOp::create(builder_, loc("wte"), hiddenType, weight("wte.weight"), ids);
  Value placed =
      gpt2::EmbeddingOp::create(builder_, loc("wpe"), hiddenType, weight("wpe.weight"), positions);
  Value hidden = gpt2::AddOp::create(builder_, loc("embeddings"), hiddenType, tokens, placed);

  SmallVector<Value> caches;
  for (int64_t layer = 0; layer < config_.nLayer; ++layer) {
    std::string prefix = "h." + std::to_string(layer);
    Value keyCache = body->getArgument(2 + 2 * layer);
    Value valueCache = body->getArgument(3 + 2 * layer);
    Value attended =
        attention(prefix + ".attn", layerNorm(prefix + ".ln_1", hidden), keyCache, valueCache);
    hidden = gpt2::AddOp::create(builder_, loc(prefix + ".attn.residual"), hiddenType, hidden,
                                          attended);
    Value transformed = mlp(prefix + ".mlp", layerNorm(prefix + ".ln_2", hidden));
    hidden = gpt2::AddOp::create(builder_, loc(prefix + ".mlp.residual"), hiddenType, hidden,
                                          transformed);
    caches.append({keyCache, valueCache});
  }

  Value normed = layerNorm("ln_f", hidden);
  Value logits = gpt2::LmHeadOp::create(builder_, 
      loc("lm_head"), activation({kDynamic, kDynamic, config_.vocabSize}), normed,
      weight(store_.lmHeadWeight().name));
  SmallVector<Value> returned = {logits};
  returned.append(caches);
  func::ReturnOp::create(builder_, loc("forward"), returned);
  return module;
}

} // namespace

void loadImporterDialects(MLIRContext &context) {
  context.loadDialect<gpt2::Gpt2Dialect, func::FuncDialect, arith::ArithDialect>();
}

OwningOpRef<ModuleOp> importModel(MLIRContext &context, const WeightStore &store) {
  loadImporterDialects(context);
  OwningOpRef<ModuleOp> module = ForwardBuilder(context, store).build();
  // The importer's output must always verify; a failure here is a bug in gpt2c.
  if (failed(verify(*module)))
    llvm::report_fatal_error("gpt2c importer produced invalid IR");
  return module;
}

} // namespace gpt2c
