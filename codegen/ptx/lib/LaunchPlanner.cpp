#include "gpt2c/codegen/ptx/LaunchPlanner.h"

#include "gpt2c/IR/Gpt2Dialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <fmt/format.h>

#include <functional>
#include <optional>

namespace gpt2c::ptx {

using Json = nlohmann::json;
using mlir::failure;
using mlir::FailureOr;
using mlir::LogicalResult;
using mlir::Operation;
using mlir::success;

namespace {

constexpr std::uint64_t kScratchAlignment = 256;

// Where a tensor value lives on the device.
struct Place {
  enum class Kind { Scratch, Cache, Logits } kind = Kind::Scratch;
  int root = -1;               // scratch: the allocation (views share their root's)
  std::uint64_t offset = 0;    // scratch: bytes from the scratch start (view included)
  int64_t rowStride = 0;       // floats between rows
  RowSet rows = RowSet::Tokens;
  int64_t layer = 0;           // cache
  bool value = false;          // cache: the value cache (else the key cache)
  bool lastQuery = false;      // a query view reduced to each sequence's last token
};

Json gridDim(const char *per, int64_t times = 1, int64_t divide = 1) {
  return {{"per", per}, {"times", times}, {"divide", divide}};
}

const char *rowsName(RowSet rows) { return rows == RowSet::Tokens ? "rows" : "batch"; }

int64_t scheduleField(Operation *op, llvm::StringRef name, int64_t fallback) {
  auto schedule = op->getAttrOfType<mlir::DictionaryAttr>("gpt2.schedule");
  if (!schedule)
    return fallback;
  if (auto value = schedule.getAs<mlir::IntegerAttr>(name))
    return value.getInt();
  return fallback;
}

std::string scheduleText(Operation *op, llvm::StringRef name) {
  auto schedule = op->getAttrOfType<mlir::DictionaryAttr>("gpt2.schedule");
  if (!schedule)
    return "";
  auto text = schedule.getAs<mlir::StringAttr>(name);
  return text ? text.getValue().str() : "";
}

std::string scheduleStrategy(Operation *op) { return scheduleText(op, "strategy"); }

// Plans one phase function.
class PhasePlanner {
public:
  PhasePlanner(LaunchPlanner &owner, PlanLimits limits, mlir::func::FuncOp function)
      : owner_(owner), limits_(limits), function_(function) {
    // The function's name is the phase (score is a prefill-kind phase).
    auto kind = function->getAttrOfType<mlir::StringAttr>("gpt2.phase");
    plan_.phase = function.getSymName().str();
    auto logits = function->getAttrOfType<mlir::StringAttr>("gpt2.logits");
    plan_.logits = logits ? logits.getValue().str() : "last";
    decode_ = kind && kind.getValue() == "decode";
    maxRows_ = limits.maxBatch * (decode_ ? 1 : limits.maxTokens);
    auto config = function->getParentOfType<mlir::ModuleOp>()->getAttrOfType<gpt2::ConfigAttr>(
        gpt2::kConfigAttrName);
    vocab_ = config.getVocabSize();
  }

  FailureOr<PhasePlan> run() {
    // Cache arguments: after the ids (and for decode the past length), a key and a
    // value cache per layer.
    int64_t cacheIndex = 0;
    for (mlir::BlockArgument argument : function_.getArguments()) {
      auto type = llvm::dyn_cast<mlir::RankedTensorType>(argument.getType());
      if (!type || type.getRank() != 4)
        continue;
      Place place;
      place.kind = Place::Kind::Cache;
      place.layer = cacheIndex / 2;
      place.value = cacheIndex % 2 == 1;
      record(argument, place);
      ++cacheIndex;
    }
    computeLastUses();
    position_ = 0;
    for (Operation &op : function_.getBody().front()) {
      if (mlir::failed(planOp(&op)))
        return failure();
      releaseDeadAfter(position_++);
    }
    plan_.scratchBytes = scratchEnd_;
    return std::move(plan_);
  }

private:
  // --- scratch allocation -------------------------------------------------------
  struct Allocation {
    std::uint64_t offset, bytes;
    bool live;
  };

  int allocate(std::uint64_t bytes) {
    bytes = (bytes + kScratchAlignment - 1) / kScratchAlignment * kScratchAlignment;
    // First fit among freed allocations, else the end of the scratch.
    for (std::size_t i = 0; i < allocations_.size(); ++i) {
      Allocation &candidate = allocations_[i];
      if (!candidate.live && candidate.bytes >= bytes) {
        candidate.live = true;
        return int(i);
      }
    }
    allocations_.push_back({scratchEnd_, bytes, true});
    scratchEnd_ += bytes;
    return int(allocations_.size() - 1);
  }

  Place newBuffer(int64_t width, RowSet rows) {
    int64_t rowCount = rows == RowSet::Tokens ? maxRows_ : limits_.maxBatch;
    Place place;
    place.root = allocate(std::uint64_t(rowCount) * std::uint64_t(width) * 4);
    place.offset = allocations_[place.root].offset;
    place.rowStride = width;
    place.rows = rows;
    return place;
  }

  void computeLastUses() {
    int64_t position = 0;
    for (Operation &op : function_.getBody().front()) {
      for (mlir::Value operand : op.getOperands())
        lastUse_[operand] = position;
      ++position;
    }
  }

  // Where `value` lives from now on. By value: callers pass places of places_, which
  // the insertion may move. A scratch root stays allocated up to the last use of
  // any value placed in it (views keep their source alive).
  void record(mlir::Value value, Place place) {
    if (place.kind == Place::Kind::Scratch) {
      auto last = lastUse_.find(value);
      int64_t until = last == lastUse_.end() ? position_ : last->second;
      auto [entry, inserted] = rootLastUse_.try_emplace(place.root, until);
      if (!inserted)
        entry->second = std::max(entry->second, until);
    }
    places_[value] = place;
  }

  // Frees the temporaries of op `position` and the roots whose last use it was.
  void releaseDeadAfter(int64_t position) {
    for (int temporary : temporaries_)
      allocations_[temporary].live = false;
    temporaries_.clear();
    for (auto entry = rootLastUse_.begin(); entry != rootLastUse_.end();) {
      if (entry->second > position) {
        ++entry;
        continue;
      }
      allocations_[entry->first].live = false;
      entry = rootLastUse_.erase(entry);
    }
  }

  // --- arguments ----------------------------------------------------------------
  static Json params() { return {{"kind", "params"}}; }
  static Json ids() { return {{"kind", "ids"}}; }
  static Json logits() { return {{"kind", "logits"}}; }
  Json scratch(std::uint64_t offset) { return {{"kind", "scratch"}, {"offset", offset}}; }
  static Json counters(std::uint64_t offset) { return {{"kind", "counters"}, {"offset", offset}}; }
  Json at(const Place &place) {
    switch (place.kind) {
    case Place::Kind::Cache:
      return {{"kind", "cache"}, {"layer", place.layer}, {"which", place.value ? "value" : "key"}};
    case Place::Kind::Logits:
      return logits();
    case Place::Kind::Scratch:
      break;
    }
    return scratch(place.offset);
  }

  FailureOr<Json> weight(mlir::Value value, PackedLayout layout, Operation *user) {
    auto op = value.getDefiningOp<gpt2::WeightOp>();
    if (!op)
      return user->emitError() << "sm_90 code generation: expected a gpt2.weight operand",
             failure();
    auto type = llvm::cast<mlir::RankedTensorType>(op.getType());
    std::string dtype = gpt2::storageTypeName(type.getElementType()).str();
    if (dtype.empty() || dtype == "int8")
      return user->emitError() << "sm_90 code generation: weight '" << op.getTensorName()
                               << "' is stored as " << type.getElementType()
                               << "; the GPU kernels take f32, bf16 or f16 weights",
             failure();
    PackingRecipe recipe;
    recipe.tensor = op.getTensorName().str();
    // Vectors (biases, layer-norm scales and shifts) are tiny and every kernel
    // reads them as f32 whatever the checkpoint stores; widening is exact.
    bool vector = type.getRank() == 1;
    recipe.dtype = vector ? PackedDType::F32 : *parsePackedDType(dtype);
    recipe.layout = vector ? PackedLayout::Row : layout;
    return Json{{"kind", "weight"}, {"slot", owner_.slotFor(recipe)}};
  }

  std::string weightType(mlir::Value value) {
    return gpt2::storageTypeName(llvm::cast<mlir::RankedTensorType>(value.getType()).getElementType())
        .str();
  }

  // --- kernels and launches -----------------------------------------------------
  const std::string &kernel(const std::string &kind, const std::string &key,
                            const std::function<KernelSource(const std::string &)> &make) {
    auto found = kernelByKey_.find(key);
    if (found != kernelByKey_.end())
      return found->second;
    std::string name = fmt::format("k{}_{}", plan_.kernels.size(), kind);
    plan_.kernels.push_back(make(name));
    return kernelByKey_[key] = name;
  }

  void launch(const std::string &name, Json grid, Json args) {
    const KernelSource *source = nullptr;
    for (const KernelSource &kernel : plan_.kernels)
      if (kernel.name == name)
        source = &kernel;
    plan_.launches.push_back({{"kernel", name},
                              {"grid", std::move(grid)},
                              {"block", {source->blockSize, 1, 1}},
                              {"shared_bytes", 0},
                              {"args", std::move(args)}});
  }

  // Where `value` lives. The pointer is into places_, which record() may move.
  const Place *placeOf(mlir::Value value, Operation *user) {
    auto found = places_.find(value);
    if (found == places_.end()) {
      user->emitError() << "sm_90 code generation: an operand has no device buffer";
      return nullptr;
    }
    return &found->second;
  }

  // Products of rows of `input` by `weightValue`: matrix-vector for few rows,
  // tensor-core tiles for prefill with 16-bit weights.
  LogicalResult product(Operation *op, const Place &input, mlir::Value weightValue, int64_t k,
                        int64_t n, mlir::Value bias, mlir::Value gamma, mlir::Value beta,
                        std::optional<double> epsilon, bool gelu, const Place *residual,
                        const Place &out, gpt2::SplitQkvOp cacheSplit = nullptr,
                        PackedLayout weightLayout = PackedLayout::NK) {
    std::string wtype = weightType(weightValue);
    bool fewRows = decode_ || input.rows == RowSet::LastTokens;
    bool tensorCores = !fewRows && wtype != "f32" && scheduleStrategy(op) != "gemv";
    if (input.kind != Place::Kind::Scratch || input.rowStride != k)
      return op->emitError() << "sm_90 code generation: the input of a product must be a dense "
                                "[rows][" << k << "] activation";
    // Linear weights [K][N] are stored transposed; the LM head's [V][E] table is
    // [N][K] already (and shared with the embedding lookup).
    FailureOr<Json> w = weight(weightValue, weightLayout, op);
    if (mlir::failed(w))
      return failure();
    Json biasArg, gammaArg, betaArg;
    if (bias) {
      FailureOr<Json> b = weight(bias, PackedLayout::Row, op);
      if (mlir::failed(b))
        return failure();
      biasArg = *b;
    }
    if (gamma) {
      FailureOr<Json> g = weight(gamma, PackedLayout::Row, op);
      FailureOr<Json> b = weight(beta, PackedLayout::Row, op);
      if (mlir::failed(g) || mlir::failed(b))
        return failure();
      gammaArg = *g;
      betaArg = *b;
    }
    int64_t outStride = out.rowStride;
    if (!tensorCores) {
      GemvSpec spec{k, n, wtype, bool(bias), bool(gamma), gelu, residual != nullptr,
                    epsilon.value_or(1e-5), outStride, scheduleField(op, "warps", 4),
                    scheduleField(op, "columns_per_warp", 2)};
      std::vector<gpt2::CacheWriteOp> cacheWrites;
      if (cacheSplit)
        cacheWrites = fusableCacheWrites(cacheSplit);
      if (!cacheWrites.empty()) {
        auto cacheType = llvm::cast<mlir::RankedTensorType>(cacheWrites[0].getCache().getType());
        spec.writeCache = true;
        spec.heads = cacheType.getDimSize(1);
        spec.capacity = cacheType.getDimSize(2);
        spec.headDim = cacheType.getDimSize(3);
      }
      std::string key = fmt::format("gemv|{}|{}|{}|{}{}{}{}|{}|{}|{}|{}|{}", k, n, wtype, spec.bias,
                                    spec.norm, spec.gelu, spec.residual, spec.epsilon, outStride,
                                    spec.warps, spec.columnsPerWarp, spec.writeCache);
      const std::string &name =
          kernel("gemv", key, [&](const std::string &name) { return gemvKernel(name, spec); });
      Json args = {params(), at(input), *w};
      if (bias)
        args.push_back(biasArg);
      if (gamma) {
        args.push_back(gammaArg);
        args.push_back(betaArg);
      }
      if (residual)
        args.push_back(at(*residual));
      args.push_back(at(out));
      for (gpt2::CacheWriteOp write : cacheWrites) {
        args.push_back(at(places_.at(write.getCache())));
        writtenByProduct_.insert(write);
      }
      int64_t columnsPerBlock = spec.warps * spec.columnsPerWarp;
      launch(name,
             {gridDim("one", n, columnsPerBlock), gridDim(rowsName(input.rows)), gridDim("one")},
             std::move(args));
      return success();
    }
    // Tensor cores: the layer norm (when fused) first, into a temporary.
    Place source = input;
    if (gamma) {
      source = newBuffer(k, input.rows);
      temporaries_.push_back(source.root);
      LayerNormSpec spec{k, *epsilon};
      const std::string &name = kernel("layer_norm", fmt::format("ln|{}|{}", k, *epsilon),
                                       [&](const std::string &name) {
                                         return layerNormKernel(name, spec);
                                       });
      launch(name, {gridDim(rowsName(input.rows)), gridDim("one"), gridDim("one")},
             {params(), at(input), gammaArg, betaArg, at(source)});
    }
    GemmSpec spec;
    spec.k = k;
    spec.n = n;
    spec.weightType = wtype;
    spec.rows = input.rows;
    spec.bias = bool(bias);
    spec.gelu = gelu;
    spec.residual = residual != nullptr;
    spec.outRowStride = outStride;
    spec.tileM = scheduleField(op, "tile_m", 64);
    spec.tileN = scheduleField(op, "tile_n", 64);
    spec.tileK = scheduleField(op, "tile_k", 32);
    spec.warpM = scheduleField(op, "warp_m", 32);
    spec.warpN = scheduleField(op, "warp_n", 32);
    std::string key = fmt::format("gemm|{}|{}|{}|{}|{}{}{}|{}|{}x{}x{}|{}x{}", k, n, wtype,
                                  int(spec.rows), spec.bias, spec.gelu, spec.residual, outStride,
                                  spec.tileM, spec.tileN, spec.tileK, spec.warpM, spec.warpN);
    const std::string &name =
        kernel("gemm", key, [&](const std::string &name) { return gemmKernel(name, spec); });
    Json args = {params(), at(source), *w};
    if (bias)
      args.push_back(biasArg);
    if (residual)
      args.push_back(at(*residual));
    args.push_back(at(out));
    launch(name,
           {gridDim("one", n, spec.tileN), gridDim(rowsName(input.rows), 1, spec.tileM),
            gridDim("one")},
           std::move(args));
    return success();
  }

  // The key and value cache writes of a split QKV product, when both write whole
  // cache arguments and are the only users of the keys and values: then the
  // product's epilogue writes the caches (in key, value order).
  std::vector<gpt2::CacheWriteOp> fusableCacheWrites(gpt2::SplitQkvOp split) {
    std::vector<gpt2::CacheWriteOp> writes;
    for (mlir::Value part : {split.getKey(), split.getValue()}) {
      if (!part.hasOneUse())
        return {};
      auto write = mlir::dyn_cast<gpt2::CacheWriteOp>(*part.getUsers().begin());
      if (!write || write.getUpdate() != part)
        return {};
      auto cache = places_.find(write.getCache());
      if (cache == places_.end() || cache->second.kind != Place::Kind::Cache)
        return {};
      writes.push_back(write);
    }
    return writes;
  }

  LogicalResult planOp(Operation *op) {
    if (mlir::isa<gpt2::WeightOp, mlir::arith::ConstantOp, mlir::arith::AddIOp,
                  mlir::arith::SubIOp, mlir::tensor::DimOp>(op))
      return success(); // weights are slots; index values are the step parameters
    if (auto embed = mlir::dyn_cast<gpt2::EmbedOp>(op))
      return planEmbed(embed);
    if (auto linear = mlir::dyn_cast<gpt2::FusedLinearOp>(op))
      return planLinear(linear);
    if (auto split = mlir::dyn_cast<gpt2::SplitQkvOp>(op))
      return planSplit(split);
    if (auto write = mlir::dyn_cast<gpt2::CacheWriteOp>(op))
      return planCacheWrite(write);
    if (auto attention = mlir::dyn_cast<gpt2::AttentionOp>(op))
      return planAttention(attention);
    if (auto merge = mlir::dyn_cast<gpt2::MergeHeadsOp>(op)) {
      const Place *input = placeOf(merge.getInput(), op);
      if (!input)
        return failure();
      record(merge.getResult(), *input); // attention wrote [rows][H * D] already
      return success();
    }
    if (auto last = mlir::dyn_cast<gpt2::LastTokenOp>(op))
      return planLastToken(last);
    if (auto norm = mlir::dyn_cast<gpt2::LayerNormOp>(op))
      return planLayerNorm(norm);
    if (auto head = mlir::dyn_cast<gpt2::LmHeadOp>(op))
      return planLmHead(head);
    if (auto ret = mlir::dyn_cast<mlir::func::ReturnOp>(op)) {
      if (ret.getNumOperands() == 0 || !ret.getOperand(0).getDefiningOp<gpt2::LmHeadOp>())
        return op->emitError() << "sm_90 code generation: the phase must return the LM head's "
                                  "logits first";
      return success();
    }
    return op->emitError() << "sm_90 code generation: no kernel for '" << op->getName()
                           << "' (run the gpt2c pipeline first)";
  }

  LogicalResult planEmbed(gpt2::EmbedOp op) {
    auto tokens = llvm::cast<mlir::RankedTensorType>(op.getTokens().getType());
    int64_t embd = tokens.getDimSize(1);
    EmbedSpec spec{embd, weightType(op.getTokens()), weightType(op.getPositions())};
    FailureOr<Json> wte = weight(op.getTokens(), PackedLayout::Row, op);
    FailureOr<Json> wpe = weight(op.getPositions(), PackedLayout::Row, op);
    if (mlir::failed(wte) || mlir::failed(wpe))
      return failure();
    const std::string &name =
        kernel("embed", fmt::format("embed|{}|{}|{}", embd, spec.wteType, spec.wpeType),
               [&](const std::string &name) { return embedKernel(name, spec); });
    Place out = newBuffer(embd, RowSet::Tokens);
    record(op.getResult(), out);
    launch(name, {gridDim("rows"), gridDim("one"), gridDim("one")},
           {params(), ids(), *wte, *wpe, at(out)});
    return success();
  }

  LogicalResult planLinear(gpt2::FusedLinearOp op) {
    const Place *input = placeOf(op.getInput(), op);
    if (!input)
      return failure();
    const Place *residual = nullptr;
    if (op.getResidual()) {
      residual = placeOf(op.getResidual(), op);
      if (!residual)
        return failure();
    }
    auto weightType = llvm::cast<mlir::RankedTensorType>(op.getWeight().getType());
    int64_t k = weightType.getDimSize(0), n = weightType.getDimSize(1);
    Place out = newBuffer(n, input->rows);
    std::optional<double> epsilon;
    if (op.getEpsilon())
      epsilon = op.getEpsilon()->convertToDouble();
    gpt2::SplitQkvOp split;
    if (op.getResult().hasOneUse())
      split = mlir::dyn_cast<gpt2::SplitQkvOp>(*op.getResult().getUsers().begin());
    if (mlir::failed(product(op, *input, op.getWeight(), k, n, op.getBias(), op.getGamma(),
                             op.getBeta(), epsilon, op.getGelu(), residual, out, split)))
      return failure();
    record(op.getResult(), out);
    return success();
  }

  LogicalResult planSplit(gpt2::SplitQkvOp op) {
    const Place *input = placeOf(op.getQkv(), op);
    if (!input)
      return failure();
    auto type = llvm::cast<mlir::RankedTensorType>(op.getQuery().getType()); // [B, H, T, D]
    int64_t width = type.getDimSize(1) * type.getDimSize(3);
    for (auto [index, result] : llvm::enumerate(op.getResults())) {
      Place view = *input;
      view.offset += std::uint64_t(index) * std::uint64_t(width) * 4;
      record(result, view);
    }
    return success();
  }

  LogicalResult planCacheWrite(gpt2::CacheWriteOp op) {
    const Place *source = placeOf(op.getUpdate(), op);
    const Place *cache = placeOf(op.getCache(), op);
    if (!source || !cache)
      return failure();
    if (cache->kind != Place::Kind::Cache)
      return op.emitError() << "sm_90 code generation: cache_write into a value that is not a "
                               "cache argument";
    if (writtenByProduct_.count(op)) { // the QKV product's epilogue wrote it
      record(op.getResult(), *cache);
      return success();
    }
    auto type = llvm::cast<mlir::RankedTensorType>(op.getCache().getType()); // [B, H, C, D]
    KvWriteSpec spec{type.getDimSize(1), type.getDimSize(3), type.getDimSize(2),
                     source->rowStride};
    const std::string &name =
        kernel("kv_write",
               fmt::format("kv|{}|{}|{}|{}", spec.heads, spec.headDim, spec.capacity,
                           spec.sourceRowStride),
               [&](const std::string &name) { return kvWriteKernel(name, spec); });
    launch(name, {gridDim("rows"), gridDim("one"), gridDim("one")},
           {params(), at(*source), at(*cache)});
    record(op.getResult(), *cache);
    return success();
  }

  LogicalResult planAttention(gpt2::AttentionOp op) {
    if (!op.getCausal())
      return op.emitError() << "sm_90 code generation: only causal attention is implemented";
    const Place *query = placeOf(op.getQuery(), op);
    const Place *keys = placeOf(op.getKeys(), op);
    const Place *values = placeOf(op.getValues(), op);
    if (!query || !keys || !values)
      return failure();
    if (keys->kind != Place::Kind::Cache || values->kind != Place::Kind::Cache)
      return op.emitError() << "sm_90 code generation: attention reads the KV caches";
    auto cacheType = llvm::cast<mlir::RankedTensorType>(op.getKeys().getType());
    AttentionSpec spec;
    spec.heads = cacheType.getDimSize(1);
    spec.capacity = cacheType.getDimSize(2);
    spec.headDim = cacheType.getDimSize(3);
    spec.qRowStride = query->rowStride;
    spec.scale = op.getScale().convertToDouble();
    spec.chunk = scheduleField(op, "chunk", 64);
    spec.blockQ = scheduleField(op, "block_q", 64);
    spec.keyTile = scheduleField(op, "key_tile", 32);
    spec.keySplit = scheduleField(op, "key_split", 4);
    if (scheduleStrategy(op) == "flash_mma") {
      spec.mmaType = scheduleText(op, "operands");
      if (spec.mmaType != "bf16" && spec.mmaType != "f16")
        return op.emitError() << "sm_90 code generation: flash_mma attention takes bf16 or f16 "
                                 "operands, not '"
                              << spec.mmaType << "'";
    }
    int64_t width = spec.heads * spec.headDim;
    int64_t queries = llvm::cast<mlir::RankedTensorType>(op.getQuery().getType()).getDimSize(2);
    bool oneQuery = decode_ || query->lastQuery || queries == 1;
    std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", spec.heads, spec.capacity,
                                  spec.headDim, spec.qRowStride, spec.scale, spec.chunk,
                                  spec.blockQ, spec.keyTile, spec.keySplit, spec.mmaType);
    if (!oneQuery) {
      Place out = newBuffer(width, RowSet::Tokens);
      bool tensorCores = !spec.mmaType.empty();
      const std::string &name = kernel(tensorCores ? "attention_mma" : "attention",
                                       "attention|" + key, [&](const std::string &n) {
                                         return tensorCores ? attentionPrefillMmaKernel(n, spec)
                                                            : attentionPrefillKernel(n, spec);
                                       });
      launch(name,
             {gridDim("batch", spec.heads), gridDim("tokens", 1, spec.blockQ), gridDim("one")},
             {params(), at(*query), at(*keys), at(*values), at(out)});
      record(op.getResult(), out);
      return success();
    }
    Place partial = newBuffer(spec.splits() * (spec.headDim + 2) * spec.heads, RowSet::LastTokens);
    temporaries_.push_back(partial.root);
    Place out = newBuffer(width, RowSet::LastTokens);
    const std::string &name = kernel("attention_decode", "decode|" + key,
                                     [&](const std::string &n) {
                                       return attentionDecodeKernel(n, spec);
                                     });
    // One counter per sequence and head, shared by every layer: each launch leaves
    // them zero before the next one (which waits for it) starts.
    plan_.countersBytes = std::max<std::uint64_t>(
        plan_.countersBytes, std::uint64_t(limits_.maxBatch * spec.heads) * sizeof(std::uint32_t));
    launch(name, {gridDim("batch", spec.heads), gridDim("one", spec.splits()), gridDim("one")},
           {params(), at(*query), at(*keys), at(*values), at(partial), counters(0), at(out)});
    record(op.getResult(), out);
    return success();
  }

  LogicalResult planLastToken(gpt2::LastTokenOp op) {
    const Place *input = placeOf(op.getInput(), op);
    if (!input)
      return failure();
    auto type = llvm::cast<mlir::RankedTensorType>(op.getInput().getType());
    if (type.getRank() == 4 && op.getAxis() == 2) {
      // The last query of each sequence: attention reads it in place.
      for (Operation *user : op.getResult().getUsers())
        if (!mlir::isa<gpt2::AttentionOp>(user))
          return op.emitError() << "sm_90 code generation: a last-token query is only read by "
                                   "attention";
      Place view = *input;
      view.lastQuery = true;
      record(op.getResult(), view);
      return success();
    }
    if (type.getRank() != 3 || op.getAxis() != 1)
      return op.emitError() << "sm_90 code generation: last_token of a [B, T, E] tensor on axis 1 "
                               "or of a query on axis 2 only";
    int64_t width = type.getDimSize(2);
    if (input->rows == RowSet::LastTokens || decode_) {
      record(op.getResult(), *input); // one row per sequence already
      return success();
    }
    Place out = newBuffer(width, RowSet::LastTokens);
    const std::string &name = kernel("gather_last", fmt::format("gather|{}", width),
                                     [&](const std::string &n) {
                                       return gatherLastKernel(n, width);
                                     });
    launch(name, {gridDim("batch"), gridDim("one"), gridDim("one")},
           {params(), at(*input), at(out)});
    record(op.getResult(), out);
    return success();
  }

  LogicalResult planLayerNorm(gpt2::LayerNormOp op) {
    const Place *input = placeOf(op.getInput(), op);
    if (!input)
      return failure();
    auto type = llvm::cast<mlir::RankedTensorType>(op.getInput().getType());
    int64_t width = type.getDimSize(type.getRank() - 1);
    FailureOr<Json> gamma = weight(op.getGamma(), PackedLayout::Row, op);
    FailureOr<Json> beta = weight(op.getBeta(), PackedLayout::Row, op);
    if (mlir::failed(gamma) || mlir::failed(beta))
      return failure();
    double epsilon = op.getEpsilon().convertToDouble();
    LayerNormSpec spec{width, epsilon};
    const std::string &name = kernel("layer_norm", fmt::format("ln|{}|{}", width, epsilon),
                                     [&](const std::string &n) {
                                       return layerNormKernel(n, spec);
                                     });
    Place out = newBuffer(width, input->rows);
    launch(name, {gridDim(rowsName(input->rows)), gridDim("one"), gridDim("one")},
           {params(), at(*input), *gamma, *beta, at(out)});
    record(op.getResult(), out);
    return success();
  }

  LogicalResult planLmHead(gpt2::LmHeadOp op) {
    const Place *input = placeOf(op.getInput(), op);
    if (!input)
      return failure();
    auto weightType = llvm::cast<mlir::RankedTensorType>(op.getWeight().getType()); // [V, E]
    Place out;
    out.kind = Place::Kind::Logits;
    out.rowStride = vocab_;
    out.rows = input->rows;
    if (mlir::failed(product(op, *input, op.getWeight(), weightType.getDimSize(1),
                             weightType.getDimSize(0), nullptr, nullptr, nullptr, std::nullopt,
                             false, nullptr, out, nullptr, PackedLayout::Row)))
      return failure();
    record(op.getResult(), out);
    return success();
  }

  LaunchPlanner &owner_;
  PlanLimits limits_;
  mlir::func::FuncOp function_;
  PhasePlan plan_;
  bool decode_ = false;
  int64_t maxRows_ = 0;
  int64_t vocab_ = 0;
  llvm::DenseMap<mlir::Value, Place> places_;
  llvm::DenseMap<mlir::Value, int64_t> lastUse_;
  std::map<int, int64_t> rootLastUse_; // live scratch roots -> last use of any value in them
  int64_t position_ = 0;               // of the op being planned
  std::vector<Allocation> allocations_;
  std::vector<int> temporaries_;
  std::uint64_t scratchEnd_ = 0;
  std::map<std::string, std::string> kernelByKey_;
  llvm::DenseSet<Operation *> writtenByProduct_;
};

} // namespace

std::size_t LaunchPlanner::slotFor(const PackingRecipe &recipe) {
  std::string key = fmt::format("{}|{}|{}", recipe.tensor, packedDTypeName(recipe.dtype),
                                packedLayoutName(recipe.layout));
  auto found = slotByKey_.find(key);
  if (found != slotByKey_.end())
    return found->second;
  slots_.push_back(recipe);
  return slotByKey_[key] = slots_.size() - 1;
}

FailureOr<PhasePlan> LaunchPlanner::plan(mlir::func::FuncOp function) {
  return PhasePlanner(*this, limits_, function).run();
}

} // namespace gpt2c::ptx
