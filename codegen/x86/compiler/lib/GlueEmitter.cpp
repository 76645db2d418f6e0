// Lowers one phase function to its glue, op by op in program order. Tensor values
// become views {pointer, shape, strides} into the scratch buffer, the weights, the
// KV caches or the logits; index values become i64 SSA values; each kernel op
// becomes a call of its Halide function.
#include "gpt2c/codegen/GlueEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace gpt2c::x86 {
namespace {

constexpr int64_t kAlignment = 64;
constexpr int64_t kHalideBufferBytes = 56;    // sizeof(halide_buffer_t) on x86-64
constexpr int64_t kHalideDimensionBytes = 16; // sizeof(halide_dimension_t)
constexpr int64_t kMaxRank = 4;
constexpr int64_t kMaxKernelBuffers = 12;

// Halide type codes (halide_type_code_t).
enum TypeCode : int32_t { kInt = 0, kUInt = 1, kFloat = 2 };

struct ElementType {
  int32_t code;
  int32_t bits;
};

ElementType storageElement(Type element) {
  if (element.isF32())
    return {kFloat, 32};
  if (element.isBF16() || element.isF16())
    return {kUInt, 16}; // the bits, widened by the kernels
  if (element.isInteger(8))
    return {kInt, 8};
  return {kInt, 32};
}

// A tensor at run time: shape and strides in elements, outermost first.
struct View {
  Value pointer;
  SmallVector<Value> shape, strides;
  SmallVector<int64_t> staticShape; // ShapedType::kDynamic where only known at run time
  ElementType element{kFloat, 32};
  bool dense = true;
};

// Bytes of the largest tensor of `type` the step can produce.
int64_t maxBytes(RankedTensorType type, const GlueOptions &options, int64_t maxTokens) {
  int64_t count = 1;
  for (auto [index, extent] : llvm::enumerate(type.getShape()))
    count *= ShapedType::isDynamic(extent) ? (index == 0 ? options.maxBatch : maxTokens) : extent;
  return count * ((type.getElementTypeBitWidth() + 7) / 8);
}

class PhaseEmitter {
public:
  PhaseEmitter(func::FuncOp phase, const KernelPlan &plan, const GlueOptions &options)
      : phase_(phase), plan_(plan), options_(options), context_(phase.getContext()),
        builder_(context_), ptr_(LLVM::LLVMPointerType::get(context_)),
        i64_(builder_.getI64Type()), i32_(builder_.getI32Type()) {}

  FailureOr<PhaseGlue> emit();

private:
  Location loc() { return phase_.getLoc(); }
  Value constant(int64_t value, Type type = {}) {
    Type t = type ? type : i64_;
    return LLVM::ConstantOp::create(builder_, loc(), t, builder_.getIntegerAttr(t, value));
  }
  Value add(Value a, Value b) { return LLVM::AddOp::create(builder_, loc(), a, b); }
  Value mul(Value a, Value b) { return LLVM::MulOp::create(builder_, loc(), a, b); }
  Value offsetPointer(Value base, Value elements, int64_t elementBytes) {
    return LLVM::GEPOp::create(builder_, loc(), ptr_, builder_.getI8Type(), base,
                               ValueRange{mul(elements, constant(elementBytes))});
  }
  Value loadField(int index, Type type);
  Value loadPointerAt(Value array, int64_t index);
  void failIf(Value condition, int32_t status);
  View denseView(Value pointer, ArrayRef<Value> shape, ArrayRef<int64_t> staticShape,
                 ElementType element);
  SmallVector<Value> runtimeShape(RankedTensorType type);
  Value describe(const View &view, ArrayRef<int> order, int slot);
  FailureOr<std::pair<View, Value>> rowsOf(Operation *op, const View &view);
  LogicalResult planScratch();
  LogicalResult lower(Operation *op);
  // Calls the op's kernel, or its few-rows kernel when `rows` is at most that
  // kernel's limit (a run-time choice; `rows` may be null where there is none).
  LogicalResult callKernel(Operation *op, ArrayRef<Value> arguments, Value rows = {});
  LLVM::LLVMFuncOp declare(const std::string &name, ArrayRef<Value> arguments);
  FailureOr<View> viewOf(Operation *user, Value value);
  FailureOr<Value> scalarOf(Operation *user, Value value);
  View scratchView(Value value);

  func::FuncOp phase_;
  const KernelPlan &plan_;
  GlueOptions options_;
  MLIRContext *context_;
  OpBuilder builder_;
  Type ptr_, i64_, i32_;
  int64_t maxTokens_ = 0;
  bool decode_ = false;

  Value batch_, tokens_, past_, ids_, weights_, keys_, values_, logits_, scratch_;
  Block *failure_ = nullptr;
  SmallVector<Value> bufferStructs_, dimensionArrays_, extentArrays_, strideArrays_;
  llvm::DenseMap<Value, View> views_;
  llvm::DenseMap<Value, Value> scalars_;
  llvm::DenseMap<Value, int64_t> scratchOffsets_; // values whose kernel writes to scratch
  uint64_t scratchBytes_ = 0;
  llvm::StringMap<LLVM::LLVMFuncOp> declared_;
  ModuleOp module_;
};

Value PhaseEmitter::loadField(int index, Type type) {
  auto argsType = LLVM::LLVMStructType::getLiteral(
      context_, {i64_, i64_, i64_, ptr_, ptr_, ptr_, ptr_, ptr_, ptr_});
  Value field = LLVM::GEPOp::create(builder_, loc(), ptr_, argsType,
                                    builder_.getBlock()->getParent()->front().getArgument(0),
                                    ArrayRef<LLVM::GEPArg>{0, index});
  return LLVM::LoadOp::create(builder_, loc(), type, field);
}

Value PhaseEmitter::loadPointerAt(Value array, int64_t index) {
  Value slot = LLVM::GEPOp::create(builder_, loc(), ptr_, ptr_, array, ArrayRef<LLVM::GEPArg>{index});
  return LLVM::LoadOp::create(builder_, loc(), ptr_, slot);
}

// Branches to the failure block returning `status` when `condition` holds.
void PhaseEmitter::failIf(Value condition, int32_t status) {
  Block *current = builder_.getBlock();
  Block *next = builder_.createBlock(current->getParent());
  builder_.setInsertionPointToEnd(current);
  LLVM::CondBrOp::create(builder_, loc(), condition, failure_, ValueRange{constant(status, i32_)},
                         next, ValueRange{});
  builder_.setInsertionPointToStart(next);
}

View PhaseEmitter::denseView(Value pointer, ArrayRef<Value> shape, ArrayRef<int64_t> staticShape,
                             ElementType element) {
  View view;
  view.pointer = pointer;
  view.shape.assign(shape.begin(), shape.end());
  view.staticShape.assign(staticShape.begin(), staticShape.end());
  view.element = element;
  view.strides.resize(shape.size());
  Value stride = constant(1);
  for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
    view.strides[d] = stride;
    stride = mul(stride, shape[d]);
  }
  return view;
}

// The run-time extents of a tensor of `type`: B and T from the step, the rest static.
SmallVector<Value> PhaseEmitter::runtimeShape(RankedTensorType type) {
  SmallVector<Value> shape;
  for (auto [index, extent] : llvm::enumerate(type.getShape()))
    shape.push_back(!ShapedType::isDynamic(extent) ? constant(extent)
                    : index == 0                   ? batch_
                                                   : tokens_);
  return shape;
}

// Fills halide_buffer_t number `slot` for `view`, taking its dimensions in `order`
// (indices into the view's outermost-first dimensions, innermost first).
Value PhaseEmitter::describe(const View &view, ArrayRef<int> order, int slot) {
  for (auto [position, dimension] : llvm::enumerate(order)) {
    Value extentSlot = LLVM::GEPOp::create(builder_, loc(), ptr_, i64_, extentArrays_[slot],
                                           ArrayRef<LLVM::GEPArg>{int32_t(position)});
    Value strideSlot = LLVM::GEPOp::create(builder_, loc(), ptr_, i64_, strideArrays_[slot],
                                           ArrayRef<LLVM::GEPArg>{int32_t(position)});
    LLVM::StoreOp::create(builder_, loc(), view.shape[dimension], extentSlot);
    LLVM::StoreOp::create(builder_, loc(), view.strides[dimension], strideSlot);
  }
  auto describeFn = declared_.lookup("gpt2c_describe_buffer");
  LLVM::CallOp::create(builder_, loc(), describeFn,
                       ValueRange{bufferStructs_[slot], dimensionArrays_[slot], view.pointer,
                                  constant(view.element.code, i32_), constant(view.element.bits, i32_),
                                  constant(int64_t(order.size()), i32_), extentArrays_[slot],
                                  strideArrays_[slot]});
  return bufferStructs_[slot];
}

// A [..., K] view as the 2-D buffer (k, m): m rows of K.
FailureOr<std::pair<View, Value>> PhaseEmitter::rowsOf(Operation *op, const View &view) {
  int64_t rank = int64_t(view.shape.size());
  View rows;
  rows.pointer = view.pointer;
  rows.element = view.element;
  rows.shape = {Value(), view.shape.back()};
  rows.strides = {Value(), view.strides.back()};
  if (rank == 2 || view.dense) {
    Value count = constant(1);
    for (int64_t d = 0; d + 1 < rank; ++d)
      count = mul(count, view.shape[d]);
    rows.shape[0] = count;
    rows.strides[0] = view.strides[rank - 2];
  } else if (rank == 3 && view.staticShape[1] == 1) {
    rows.shape[0] = view.shape[0];
    rows.strides[0] = view.strides[0];
  } else {
    return op->emitError() << "x86 code generation: cannot treat this strided operand as rows";
  }
  return std::pair(rows, Value());
}

View PhaseEmitter::scratchView(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  Value pointer = offsetPointer(scratch_, constant(scratchOffsets_.lookup(value)), 1);
  return denseView(pointer, runtimeShape(type), type.getShape(), storageElement(type.getElementType()));
}

FailureOr<View> PhaseEmitter::viewOf(Operation *user, Value value) {
  auto it = views_.find(value);
  if (it == views_.end())
    return user->emitError() << "x86 code generation: operand has no buffer (unsupported producer)";
  return it->second;
}

FailureOr<Value> PhaseEmitter::scalarOf(Operation *user, Value value) {
  auto it = scalars_.find(value);
  if (it == scalars_.end())
    return user->emitError() << "x86 code generation: index operand is not computable";
  return it->second;
}

// Scratch offsets: one region per kernel-written activation, reused once every
// view of it is dead (first fit over a list of free regions).
LogicalResult PhaseEmitter::planScratch() {
  Block &body = phase_.getBody().front();
  llvm::DenseMap<Value, Value> root; // view or alias -> the value that owns the storage
  llvm::DenseMap<Value, int64_t> lastUse, size;
  SmallVector<Value> owners;
  int64_t index = 0;
  llvm::DenseMap<Operation *, int64_t> position;
  for (Operation &op : body)
    position[&op] = index++;
  for (Operation &op : body) {
    if (auto last = dyn_cast<gpt2::LastTokenOp>(op)) {
      root[last.getResult()] = root.lookup(last.getInput());
      continue;
    }
    if (auto merge = dyn_cast<gpt2::MergeHeadsOp>(op)) {
      root[merge.getResult()] = merge.getResult();
      auto attention = merge.getInput().getDefiningOp<gpt2::AttentionOp>();
      if (!attention || !merge.getInput().hasOneUse())
        return op.emitError() << "x86 code generation: merge_heads must follow an attention it alone uses";
      size[merge.getResult()] = maxBytes(merge.getType(), options_, maxTokens_);
      owners.push_back(merge.getResult());
      lastUse[merge.getResult()] = position[&op];
      continue;
    }
    bool writesScratch = isa<gpt2::EmbedOp, gpt2::LayerNormOp, gpt2::FusedLinearOp>(op);
    if (auto split = dyn_cast<gpt2::SplitQkvOp>(op)) {
      root[split.getQuery()] = split.getQuery();
      size[split.getQuery()] = maxBytes(cast<RankedTensorType>(split.getQuery().getType()), options_, maxTokens_);
      owners.push_back(split.getQuery());
      lastUse[split.getQuery()] = position[&op];
    }
    if (writesScratch) {
      Value result = op.getResult(0);
      root[result] = result;
      size[result] = maxBytes(cast<RankedTensorType>(result.getType()), options_, maxTokens_);
      owners.push_back(result);
      lastUse[result] = position[&op];
    }
    for (Value operand : op.getOperands())
      if (Value owner = root.lookup(operand))
        lastUse[owner] = std::max(lastUse[owner], position[&op]);
  }
  // Linear scan in program order of definition.
  std::vector<std::pair<int64_t, int64_t>> freeRegions; // offset, bytes
  std::vector<std::tuple<int64_t, int64_t, int64_t>> live; // last use, offset, bytes
  for (Value owner : owners) {
    int64_t defined = position[owner.getDefiningOp()];
    for (auto it = live.begin(); it != live.end();) {
      if (std::get<0>(*it) < defined) {
        freeRegions.emplace_back(std::get<1>(*it), std::get<2>(*it));
        it = live.erase(it);
      } else {
        ++it;
      }
    }
    int64_t bytes = (size[owner] + kAlignment - 1) / kAlignment * kAlignment;
    int64_t offset = -1;
    for (auto it = freeRegions.begin(); it != freeRegions.end(); ++it)
      if (it->second >= bytes) {
        offset = it->first;
        if (it->second > bytes)
          *it = {it->first + bytes, it->second - bytes};
        else
          freeRegions.erase(it);
        break;
      }
    if (offset < 0) {
      offset = int64_t(scratchBytes_);
      scratchBytes_ += uint64_t(bytes);
    }
    scratchOffsets_[owner] = offset;
    live.emplace_back(lastUse[owner], offset, bytes);
  }
  return success();
}

LLVM::LLVMFuncOp PhaseEmitter::declare(const std::string &name, ArrayRef<Value> arguments) {
  LLVM::LLVMFuncOp callee = declared_.lookup(name);
  if (!callee) {
    SmallVector<Type> types;
    for (Value argument : arguments)
      types.push_back(argument.getType());
    OpBuilder::InsertionGuard guard(builder_);
    builder_.setInsertionPointToStart(module_.getBody());
    callee = LLVM::LLVMFuncOp::create(builder_, loc(), name, LLVM::LLVMFunctionType::get(i32_, types));
    declared_[name] = callee;
  }
  return callee;
}

LogicalResult PhaseEmitter::callKernel(Operation *op, ArrayRef<Value> arguments, Value rows) {
  LLVM::LLVMFuncOp callee = declare(plan_.kernelFor(op)->name, arguments);
  std::optional<KernelPlan::FewRowsKernel> few = plan_.fewRowsKernelFor(op);
  Value status;
  if (few && rows) {
    // if (rows <= maxRows) few(...) else many(...), joined with the status.
    LLVM::LLVMFuncOp fewCallee = declare(few->kernel->name, arguments);
    Block *current = builder_.getBlock();
    Region *region = current->getParent();
    Block *fewBlock = builder_.createBlock(region), *manyBlock = builder_.createBlock(region);
    Block *joined = builder_.createBlock(region, {}, {i32_}, {loc()});
    builder_.setInsertionPointToEnd(current);
    Value isFew = LLVM::ICmpOp::create(builder_, loc(), LLVM::ICmpPredicate::sle, rows,
                                       constant(few->maxRows));
    LLVM::CondBrOp::create(builder_, loc(), isFew, fewBlock, manyBlock);
    for (auto [block, function] : {std::pair(fewBlock, fewCallee), std::pair(manyBlock, callee)}) {
      builder_.setInsertionPointToStart(block);
      Value result = LLVM::CallOp::create(builder_, op->getLoc(), function, arguments).getResult();
      LLVM::BrOp::create(builder_, loc(), ValueRange{result}, joined);
    }
    builder_.setInsertionPointToStart(joined);
    status = joined->getArgument(0);
  } else {
    status = LLVM::CallOp::create(builder_, op->getLoc(), callee, arguments).getResult();
  }
  failIf(LLVM::ICmpOp::create(builder_, loc(), LLVM::ICmpPredicate::ne, status, constant(0, i32_)), 2);
  return success();
}

LogicalResult PhaseEmitter::lower(Operation *op) {
  Location at = op->getLoc();
  auto trunc = [&](Value v) { return LLVM::TruncOp::create(builder_, at, i32_, v).getResult(); };

  if (auto constantOp = dyn_cast<arith::ConstantOp>(op)) {
    auto integer = dyn_cast<IntegerAttr>(constantOp.getValue());
    if (!integer)
      return op->emitError() << "x86 code generation: only integer constants are supported";
    scalars_[constantOp.getResult()] = constant(integer.getInt());
    return success();
  }
  if (isa<arith::AddIOp, arith::SubIOp, arith::MulIOp>(op)) {
    FailureOr<Value> lhs = scalarOf(op, op->getOperand(0)), rhs = scalarOf(op, op->getOperand(1));
    if (failed(lhs) || failed(rhs))
      return failure();
    Value result = isa<arith::AddIOp>(op)   ? add(*lhs, *rhs)
                   : isa<arith::MulIOp>(op) ? mul(*lhs, *rhs)
                                            : LLVM::SubOp::create(builder_, at, *lhs, *rhs).getResult();
    scalars_[op->getResult(0)] = result;
    return success();
  }
  if (auto dim = dyn_cast<tensor::DimOp>(op)) {
    FailureOr<View> source = viewOf(op, dim.getSource());
    std::optional<int64_t> index = dim.getConstantIndex();
    if (failed(source) || !index)
      return op->emitError() << "x86 code generation: tensor.dim needs a constant index";
    scalars_[dim.getResult()] = source->shape[*index];
    return success();
  }
  if (auto weight = dyn_cast<gpt2::WeightOp>(op)) {
    RankedTensorType type = weight.getResult().getType();
    const WeightSlots &slots = plan_.slotsFor(weight);
    SmallVector<Value> shape;
    for (int64_t extent : type.getShape())
      shape.push_back(constant(extent));
    ElementType element = slots.values.recipe.dtype == PackedDType::F32 ? ElementType{kFloat, 32}
                           : slots.values.recipe.dtype == PackedDType::Int8 ? ElementType{kInt, 8}
                                                                             : ElementType{kUInt, 16};
    views_[weight.getResult()] = denseView(loadPointerAt(weights_, int64_t(slots.values.index)), shape,
                                           type.getShape(), element);
    return success();
  }
  if (auto last = dyn_cast<gpt2::LastTokenOp>(op)) {
    FailureOr<View> input = viewOf(op, last.getInput());
    if (failed(input))
      return failure();
    int64_t axis = last.getAxis();
    View view = *input;
    Value lastIndex = LLVM::SubOp::create(builder_, at, view.shape[axis], constant(1));
    view.pointer = offsetPointer(view.pointer, mul(lastIndex, view.strides[axis]),
                                 view.element.bits / 8);
    view.shape[axis] = constant(1);
    view.staticShape[axis] = 1;
    view.dense = false;
    views_[last.getResult()] = view;
    return success();
  }
  if (auto merge = dyn_cast<gpt2::MergeHeadsOp>(op))
    return success(); // its buffer was filled by the attention kernel
  if (auto write = dyn_cast<gpt2::CacheWriteOp>(op)) {
    FailureOr<View> cache = viewOf(op, write.getCache());
    if (failed(cache))
      return failure();
    views_[write.getResult()] = *cache; // written in place by qkv_scatter
    return success();
  }
  if (isa<func::ReturnOp>(op))
    return success();

  // Kernel ops: their buffers, in the order of the kernel contract.
  SmallVector<Value> arguments;
  int slot = 0;
  auto addRows = [&](Value value) -> LogicalResult {
    FailureOr<View> view = viewOf(op, value);
    if (failed(view))
      return failure();
    auto rows = rowsOf(op, *view);
    if (failed(rows))
      return failure();
    arguments.push_back(describe(rows->first, {1, 0}, slot++));
    return success();
  };
  auto addVector = [&](Value value) -> LogicalResult {
    FailureOr<View> view = viewOf(op, value);
    if (failed(view))
      return failure();
    arguments.push_back(describe(*view, {0}, slot++));
    return success();
  };
  auto addMatrix = [&](Value value, const std::string &layout, bool columnPairs = false,
                       bool pairWords = false) -> LogicalResult {
    FailureOr<View> view = viewOf(op, value);
    if (failed(view))
      return failure();
    View packed = *view;
    if (layout == "nk") // packed [N][K]: the buffer (k, n)
      packed = denseView(view->pointer, {view->shape[1], view->shape[0]},
                         {view->staticShape[1], view->staticShape[0]}, view->element);
    if (layout == "kpairs") {
      // packed [K / 2][N][2]: the buffer (2 n + j, p) of 16-bit values, or for float32
      // activations (n, p) of uint32 words (both halves of a pair)
      int64_t pairs = view->staticShape[0] / 2, columns = view->staticShape[1];
      int64_t inner = pairWords ? columns : 2 * columns;
      packed = denseView(view->pointer, {constant(pairs), constant(inner)}, {pairs, inner},
                         pairWords ? ElementType{kUInt, 32} : view->element);
    }
    if (columnPairs) { // 16-bit [K][N] bytes as uint32 pairs of columns: [K][N / 2]
      int64_t pairs = view->staticShape[1] / 2;
      packed = denseView(view->pointer, {view->shape[0], constant(pairs)},
                         {view->staticShape[0], pairs}, {kUInt, 32});
    }
    arguments.push_back(describe(packed, {1, 0}, slot++));
    return success();
  };
  auto addScales = [&](Value value) {
    auto weight = value.getDefiningOp<gpt2::WeightOp>();
    const WeightSlots &slots = plan_.slotsFor(weight);
    if (!slots.scales)
      return;
    RankedTensorType type = weight.getResult().getType();
    auto quant = cast<gpt2::Int8QuantAttr>(type.getEncoding());
    int64_t channels = type.getDimSize(quant.getAxis());
    int64_t reduced = type.getDimSize(1 - quant.getAxis());
    int64_t groups = quant.getGroupSize() ? reduced / quant.getGroupSize() : 1;
    View scales = denseView(loadPointerAt(weights_, int64_t(slots.scales->index)),
                            {constant(channels), constant(groups)}, {channels, groups}, {kFloat, 32});
    arguments.push_back(describe(scales, {1, 0}, slot++));
  };
  auto output = [&](Value value) {
    View view = scratchView(value);
    views_[value] = view;
    return view;
  };

  if (auto embed = dyn_cast<gpt2::EmbedOp>(op)) {
    FailureOr<View> ids = viewOf(op, embed.getIds());
    FailureOr<Value> past = scalarOf(op, embed.getPastLength());
    if (failed(ids) || failed(past))
      return failure();
    arguments.push_back(describe(*ids, {1, 0}, slot++));
    if (failed(addMatrix(embed.getTokens(), "row")))
      return failure();
    addScales(embed.getTokens());
    if (failed(addMatrix(embed.getPositions(), "row")))
      return failure();
    addScales(embed.getPositions());
    arguments.push_back(trunc(*past));
    View out = output(embed.getResult());
    arguments.push_back(describe(out, {2, 1, 0}, slot++));
    return callKernel(op, arguments);
  }
  if (auto norm = dyn_cast<gpt2::LayerNormOp>(op)) {
    if (failed(addRows(norm.getInput())) || failed(addVector(norm.getGamma())) ||
        failed(addVector(norm.getBeta())))
      return failure();
    View out = output(norm.getResult());
    arguments.push_back(describe(rowsOf(op, out)->first, {1, 0}, slot++));
    return callKernel(op, arguments);
  }
  if (auto linear = dyn_cast<gpt2::FusedLinearOp>(op)) {
    const KernelInfo *kernel = plan_.kernelFor(op);
    std::string layout = kernel->spec["layout"];
    bool columnPairs = kernel->spec["schedule"].value("pairs", false);
    bool pairWords = kernel->spec["schedule"].value("activations", "f32") != "bf16";
    if (failed(addRows(linear.getInput())) ||
        failed(addMatrix(linear.getWeight(), layout, columnPairs, pairWords)))
      return failure();
    addScales(linear.getWeight());
    if (failed(addVector(linear.getBias())))
      return failure();
    if (linear.getGamma() && (failed(addVector(linear.getGamma())) || failed(addVector(linear.getBeta()))))
      return failure();
    if (linear.getResidual() && failed(addRows(linear.getResidual())))
      return failure();
    View out = output(linear.getResult());
    View rows = rowsOf(op, out)->first;
    arguments.push_back(describe(rows, {1, 0}, slot++));
    return callKernel(op, arguments, rows.shape[0]);
  }
  if (auto split = dyn_cast<gpt2::SplitQkvOp>(op)) {
    FailureOr<View> qkv = viewOf(op, split.getQkv());
    if (failed(qkv))
      return failure();
    arguments.push_back(describe(*qkv, {2, 1, 0}, slot++));
    View query = output(split.getQuery());
    arguments.push_back(describe(query, {3, 2, 1, 0}, slot++));
    for (Value part : {split.getKey(), split.getValue()}) {
      auto write = part.hasOneUse() ? dyn_cast<gpt2::CacheWriteOp>(*part.getUsers().begin()) : nullptr;
      if (!write)
        return op->emitError() << "x86 code generation: keys and values must go to the KV cache";
      FailureOr<View> cache = viewOf(op, write.getCache());
      FailureOr<Value> position = scalarOf(op, write.getPosition());
      if (failed(cache) || failed(position))
        return failure();
      View slice = *cache;
      slice.pointer = offsetPointer(cache->pointer, mul(*position, cache->strides[2]), 4);
      slice.shape[2] = tokens_;
      slice.staticShape[2] = ShapedType::kDynamic;
      slice.dense = false;
      arguments.push_back(describe(slice, {3, 2, 1, 0}, slot++));
    }
    return callKernel(op, arguments);
  }
  if (auto attention = dyn_cast<gpt2::AttentionOp>(op)) {
    FailureOr<View> query = viewOf(op, attention.getQuery()), keys = viewOf(op, attention.getKeys()),
                    values = viewOf(op, attention.getValues());
    FailureOr<Value> past = scalarOf(op, attention.getPastLength()),
                     length = scalarOf(op, attention.getLength());
    if (failed(query) || failed(keys) || failed(values) || failed(past) || failed(length))
      return failure();
    arguments.push_back(describe(*query, {3, 2, 1, 0}, slot++));
    arguments.push_back(describe(*keys, {3, 2, 1, 0}, slot++));
    arguments.push_back(describe(*values, {3, 2, 1, 0}, slot++));
    arguments.push_back(trunc(*past));
    arguments.push_back(trunc(*length));
    auto merge = cast<gpt2::MergeHeadsOp>(*attention.getResult().getUsers().begin());
    View out = output(merge.getResult());
    arguments.push_back(describe(out, {2, 1, 0}, slot++));
    return callKernel(op, arguments);
  }
  if (auto head = dyn_cast<gpt2::LmHeadOp>(op)) {
    if (failed(addRows(head.getInput())) || failed(addMatrix(head.getWeight(), "row")))
      return failure();
    addScales(head.getWeight());
    auto type = cast<RankedTensorType>(head.getResult().getType());
    View logits = denseView(logits_, runtimeShape(type), type.getShape(), {kFloat, 32});
    views_[head.getResult()] = logits;
    arguments.push_back(describe(rowsOf(op, logits)->first, {1, 0}, slot++));
    return callKernel(op, arguments);
  }
  return op->emitError() << "x86 code generation: no lowering for '" << op->getName() << "'";
}

FailureOr<PhaseGlue> PhaseEmitter::emit() {
  PhaseGlue glue;
  glue.phase = phase_.getSymName().str();
  glue.symbol = "gpt2c_run_" + glue.phase;
  auto logits = phase_->getAttrOfType<StringAttr>("gpt2.logits");
  glue.logits = logits ? logits.str() : "all";
  decode_ = phase_->getAttrOfType<StringAttr>("gpt2.phase") &&
            phase_->getAttrOfType<StringAttr>("gpt2.phase").getValue() == "decode";
  auto capacity = cast<RankedTensorType>(phase_.getArgument(decode_ ? 2 : 1).getType()).getDimSize(2);
  maxTokens_ = decode_ ? 1 : (options_.maxTokens ? options_.maxTokens : capacity);
  if (failed(planScratch()))
    return failure();

  glue.module = ModuleOp::create(phase_.getLoc());
  module_ = *glue.module;
  builder_.setInsertionPointToEnd(module_.getBody());
  declared_["gpt2c_describe_buffer"] = LLVM::LLVMFuncOp::create(
      builder_, loc(), "gpt2c_describe_buffer",
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context_),
                                  {ptr_, ptr_, ptr_, i32_, i32_, i32_, ptr_, ptr_}));
  auto function = LLVM::LLVMFuncOp::create(builder_, loc(), glue.symbol,
                                           LLVM::LLVMFunctionType::get(i32_, {ptr_}));
  Block *entry = function.addEntryBlock(builder_);
  failure_ = builder_.createBlock(&function.getBody(), {}, {i32_}, {loc()});
  LLVM::ReturnOp::create(builder_, loc(), failure_->getArgument(0));
  builder_.setInsertionPointToStart(entry);

  // Descriptor storage, reused by every kernel call.
  for (int64_t i = 0; i < kMaxKernelBuffers; ++i) {
    auto bytes = [&](int64_t count) {
      return LLVM::AllocaOp::create(builder_, loc(), ptr_, builder_.getI8Type(), constant(count), 16)
          .getResult();
    };
    bufferStructs_.push_back(bytes(kHalideBufferBytes));
    dimensionArrays_.push_back(bytes(kHalideDimensionBytes * kMaxRank));
    extentArrays_.push_back(bytes(8 * kMaxRank));
    strideArrays_.push_back(bytes(8 * kMaxRank));
  }
  batch_ = loadField(0, i64_);
  tokens_ = loadField(1, i64_);
  past_ = loadField(2, i64_);
  ids_ = loadField(3, ptr_);
  weights_ = loadField(4, ptr_);
  keys_ = loadField(5, ptr_);
  values_ = loadField(6, ptr_);
  logits_ = loadField(7, ptr_);
  scratch_ = loadField(8, ptr_);

  // The step must fit what the scratch was planned for and the cache capacity.
  auto outside = [&](Value value, int64_t low, int64_t high) {
    Value below = LLVM::ICmpOp::create(builder_, loc(), LLVM::ICmpPredicate::slt, value, constant(low));
    Value above = LLVM::ICmpOp::create(builder_, loc(), LLVM::ICmpPredicate::sgt, value, constant(high));
    return LLVM::OrOp::create(builder_, loc(), below, above).getResult();
  };
  failIf(outside(batch_, 1, options_.maxBatch), 1);
  failIf(outside(tokens_, 1, maxTokens_), 1);
  failIf(outside(past_, 0, decode_ ? capacity - 1 : 0), 1);
  failIf(outside(add(past_, tokens_), 1, capacity), 1);

  // Function arguments: ids, [past], then key and value caches of each layer.
  Block &body = phase_.getBody().front();
  views_[body.getArgument(0)] = denseView(ids_, {batch_, tokens_}, {ShapedType::kDynamic, decode_ ? 1 : ShapedType::kDynamic}, {kInt, 32});
  unsigned firstCache = 1;
  if (decode_) {
    scalars_[body.getArgument(1)] = past_;
    firstCache = 2;
  }
  for (unsigned i = firstCache; i < body.getNumArguments(); ++i) {
    auto type = cast<RankedTensorType>(body.getArgument(i).getType());
    unsigned layer = (i - firstCache) / 2;
    Value cache = loadPointerAt((i - firstCache) % 2 == 0 ? keys_ : values_, layer);
    views_[body.getArgument(i)] = denseView(cache, runtimeShape(type), type.getShape(), {kFloat, 32});
  }

  for (Operation &op : body)
    if (failed(lower(&op)))
      return failure();
  LLVM::ReturnOp::create(builder_, loc(), constant(0, i32_));
  glue.scratchBytes = scratchBytes_;
  return glue;
}

} // namespace

FailureOr<PhaseGlue> emitPhaseGlue(func::FuncOp phase, const KernelPlan &plan,
                                   const GlueOptions &options) {
  return PhaseEmitter(phase, plan, options).emit();
}

} // namespace gpt2c::x86
