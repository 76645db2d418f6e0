#include "gpt2c/codegen/KernelPlan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using Json = nlohmann::json;

namespace gpt2c::x86 {
namespace {

std::string storageName(RankedTensorType type) {
  return gpt2::storageTypeName(type.getElementType()).str();
}

PackedDType packedDType(RankedTensorType type) {
  Type element = type.getElementType();
  if (element.isBF16())
    return PackedDType::BF16;
  if (element.isF16())
    return PackedDType::F16;
  if (element.isInteger(8))
    return PackedDType::Int8;
  return PackedDType::F32;
}

int64_t groupSizeOf(RankedTensorType type) {
  auto quant = dyn_cast_or_null<gpt2::Int8QuantAttr>(type.getEncoding());
  return quant ? quant.getGroupSize() : 0;
}

RankedTensorType tensorType(Value value) { return cast<RankedTensorType>(value.getType()); }

// The schedule the selection pass attached, as JSON (empty when none).
Json scheduleOf(Operation *op, llvm::StringRef attribute = "gpt2.schedule") {
  Json schedule = Json::object();
  auto attr = op->getAttrOfType<DictionaryAttr>(attribute);
  if (!attr)
    return schedule;
  for (NamedAttribute entry : attr) {
    std::string key = entry.getName().str();
    // BoolAttr is an i1 IntegerAttr: test it first.
    if (auto flag = dyn_cast<BoolAttr>(entry.getValue()))
      schedule[key] = flag.getValue();
    else if (auto integer = dyn_cast<IntegerAttr>(entry.getValue()))
      schedule[key] = integer.getInt();
    else if (auto text = dyn_cast<StringAttr>(entry.getValue()))
      schedule[key] = text.str();
  }
  return schedule;
}

} // namespace

const KernelInfo &KernelPlan::addKernel(const std::string &kind, Json spec) {
  spec["kind"] = kind;
  std::string key = spec.dump();
  auto [it, inserted] = kernelBySpec_.emplace(key, kernels_.size());
  if (inserted) {
    KernelInfo info;
    info.name = "k" + std::to_string(kernels_.size()) + "_" + kind;
    info.kind = kind;
    spec["name"] = info.name;
    info.spec = std::move(spec);
    kernels_.push_back(std::move(info));
  }
  return kernels_[it->second];
}

LogicalResult KernelPlan::addWeight(gpt2::WeightOp op, const std::string &layout) {
  RankedTensorType type = op.getResult().getType();
  std::string typeText;
  llvm::raw_string_ostream(typeText) << type;
  std::string key = op.getTensorName().str() + "|" + layout + "|" + typeText;
  auto existing = slotsByWeight_.find(key);
  if (existing != slotsByWeight_.end()) {
    slotsOfOp_[op] = existing->second;
    return success();
  }
  if (slotsOfOp_.count(op))
    return op.emitError() << "x86 code generation: weight '" << op.getTensorName()
                          << "' is read in two layouts";
  PackingRecipe values;
  values.tensor = op.getTensorName().str();
  // Vectors (biases, layer-norm parameters) are widened to float32, exactly: the
  // kernels read them in float32 whatever the checkpoint stored.
  values.dtype = type.getRank() == 1 ? PackedDType::F32 : packedDType(type);
  std::optional<PackedLayout> packedLayout = parsePackedLayout(layout);
  if (!packedLayout)
    return op.emitError() << "x86 code generation: unknown weight layout '" << layout
                          << "' for '" << op.getTensorName() << "'";
  values.layout = *packedLayout;
  WeightSlots slots{{slots_.size(), values}, std::nullopt};
  if (auto quant = dyn_cast_or_null<gpt2::Int8QuantAttr>(type.getEncoding())) {
    slots.values.recipe.groupSize = quant.getGroupSize();
    slots.values.recipe.int8Axis = quant.getAxis();
    PackingRecipe scales = slots.values.recipe;
    scales.kind = PackedKind::Int8Scales;
    scales.dtype = PackedDType::F32;
    scales.layout = PackedLayout::Row;
    slots_.push_back(slots.values.recipe);
    slots.scales = WeightSlot{slots_.size(), scales};
    slots_.push_back(scales);
  } else {
    slots_.push_back(values);
  }
  slotsByWeight_[key] = slots;
  slotsOfOp_[op] = slots;
  return success();
}

LogicalResult KernelPlan::plan(Operation *op) {
  auto weightOf = [](Value value) { return value.getDefiningOp<gpt2::WeightOp>(); };
  auto needWeight = [&](Value value, const std::string &layout) -> LogicalResult {
    auto weight = weightOf(value);
    if (!weight)
      return op->emitError() << "x86 code generation: expects a gpt2.weight here";
    return addWeight(weight, layout);
  };

  if (auto embed = dyn_cast<gpt2::EmbedOp>(op)) {
    auto tokens = tensorType(embed.getTokens()), positions = tensorType(embed.getPositions());
    if (failed(needWeight(embed.getTokens(), "row")) || failed(needWeight(embed.getPositions(), "row")))
      return failure();
    Json spec = {{"embd", tokens.getDimSize(1)},      {"vocab", tokens.getDimSize(0)},
                 {"positions", positions.getDimSize(0)}, {"wte_dtype", storageName(tokens)},
                 {"wpe_dtype", storageName(positions)},  {"group_size", groupSizeOf(tokens)},
                 {"schedule", scheduleOf(op)}};
    kernelOfOp_[op] = &addKernel("embed", spec) - kernels_.data();
    return success();
  }
  if (auto norm = dyn_cast<gpt2::LayerNormOp>(op)) {
    if (failed(needWeight(norm.getGamma(), "row")) || failed(needWeight(norm.getBeta(), "row")))
      return failure();
    Json spec = {{"width", tensorType(norm.getGamma()).getDimSize(0)},
                 {"epsilon", norm.getEpsilon().convertToDouble()},
                 {"schedule", scheduleOf(op)}};
    kernelOfOp_[op] = &addKernel("layer_norm", spec) - kernels_.data();
    return success();
  }
  if (auto linear = dyn_cast<gpt2::FusedLinearOp>(op)) {
    auto weight = tensorType(linear.getWeight());
    Json schedule = scheduleOf(op);
    std::string layout = schedule.value("layout", std::string("kn"));
    schedule["layout"] = layout;
    if (failed(needWeight(linear.getWeight(), layout)) || failed(needWeight(linear.getBias(), "row")))
      return failure();
    if (linear.getGamma() &&
        (failed(needWeight(linear.getGamma(), "row")) || failed(needWeight(linear.getBeta(), "row"))))
      return failure();
    Json spec = {{"k", weight.getDimSize(0)},
                 {"n", weight.getDimSize(1)},
                 {"dtype", storageName(weight)},
                 {"group_size", groupSizeOf(weight)},
                 {"layout", layout},
                 {"norm", bool(linear.getGamma())},
                 {"gelu", linear.getGelu()},
                 {"residual", bool(linear.getResidual())},
                 {"schedule", schedule}};
    if (linear.getEpsilon())
      spec["epsilon"] = linear.getEpsilon()->convertToDouble();
    kernelOfOp_[op] = &addKernel("fused_linear", spec) - kernels_.data();
    Json few = scheduleOf(op, "gpt2.few_rows_schedule");
    if (!few.empty()) {
      int64_t maxRows = few.value("max_rows", int64_t(0));
      few.erase("max_rows");
      // Both kernels take the same arguments: the same layout, and for kpairs the same
      // view of it (16-bit values for bf16 activations, uint32 words otherwise).
      auto bf16Dots = [](const Json &s) { return s.value("activations", "f32") == "bf16"; };
      if (maxRows < 1 || few.value("layout", std::string("kn")) != layout ||
          bf16Dots(few) != bf16Dots(schedule))
        return op->emitError() << "x86 kernel planning: gpt2.few_rows_schedule needs max_rows >= 1, "
                                  "the weight layout of gpt2.schedule ('"
                               << layout << "') and its activations";
      spec["schedule"] = few;
      fewRowsKernelOfOp_[op] = {std::size_t(&addKernel("fused_linear", spec) - kernels_.data()),
                                maxRows};
    }
    return success();
  }
  if (auto split = dyn_cast<gpt2::SplitQkvOp>(op)) {
    auto query = tensorType(split.getQuery());
    Json spec = {{"heads", split.getNumHeads()}, {"head_dim", query.getDimSize(3)},
                 {"schedule", scheduleOf(op)}};
    kernelOfOp_[op] = &addKernel("qkv_scatter", spec) - kernels_.data();
    return success();
  }
  if (auto attention = dyn_cast<gpt2::AttentionOp>(op)) {
    auto keys = tensorType(attention.getKeys());
    Json spec = {{"heads", keys.getDimSize(1)},
                 {"head_dim", keys.getDimSize(3)},
                 {"capacity", keys.getDimSize(2)},
                 {"scale", attention.getScale().convertToFloat()},
                 {"causal", attention.getCausal()},
                 {"schedule", scheduleOf(op)}};
    kernelOfOp_[op] = &addKernel("attention", spec) - kernels_.data();
    return success();
  }
  if (auto head = dyn_cast<gpt2::LmHeadOp>(op)) {
    auto weight = tensorType(head.getWeight());
    if (failed(needWeight(head.getWeight(), "row")))
      return failure();
    Json spec = {{"embd", weight.getDimSize(1)},   {"vocab", weight.getDimSize(0)},
                 {"dtype", storageName(weight)},   {"group_size", groupSizeOf(weight)},
                 {"schedule", scheduleOf(op)}};
    kernelOfOp_[op] = &addKernel("lm_head", spec) - kernels_.data();
    return success();
  }
  // Views, aliases, in-place updates and scalar arithmetic need no kernel.
  if (isa<gpt2::WeightOp, gpt2::LastTokenOp, gpt2::MergeHeadsOp, gpt2::CacheWriteOp,
          func::ReturnOp>(op) ||
      op->getDialect()->getNamespace() == "arith" || op->getDialect()->getNamespace() == "tensor")
    return success();
  return op->emitError() << "x86 code generation: no kernel for '" << op->getName()
                         << "' (run the gpt2c pipeline first)";
}

FailureOr<KernelPlan> KernelPlan::build(ModuleOp module) {
  KernelPlan plan;
  for (auto function : module.getOps<func::FuncOp>())
    for (Operation &op : function.getBody().front())
      if (failed(plan.plan(&op)))
        return failure();
  return plan;
}

std::optional<KernelPlan::FewRowsKernel> KernelPlan::fewRowsKernelFor(Operation *op) const {
  auto it = fewRowsKernelOfOp_.find(op);
  if (it == fewRowsKernelOfOp_.end())
    return std::nullopt;
  return FewRowsKernel{&kernels_[it->second.first], it->second.second};
}

const KernelInfo *KernelPlan::kernelFor(Operation *op) const {
  auto it = kernelOfOp_.find(op);
  return it == kernelOfOp_.end() ? nullptr : &kernels_[it->second];
}

const WeightSlots &KernelPlan::slotsFor(gpt2::WeightOp op) const {
  return slotsOfOp_.find(op)->second;
}

Json KernelPlan::generatorSpec() const {
  Json list = Json::array();
  for (const KernelInfo &kernel : kernels_)
    list.push_back(kernel.spec);
  return {{"kernels", list}};
}

} // namespace gpt2c::x86
