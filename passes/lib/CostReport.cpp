// gpt2-cost: FLOPs and bytes per op and per function, for a copy of each
// function specialised to static shapes (batch B, T new tokens, P past ones).
#include "gpt2c/passes/CostReport.h"
#include "gpt2c/passes/Passes.h"
#include "gpt2c/passes/ShapeRefinement.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

namespace gpt2c {

#define GEN_PASS_DEF_COSTREPORT
#include "gpt2c/passes/Passes.h.inc"

using namespace mlir;

namespace {

constexpr unsigned kIdsArgument = 0;
constexpr int64_t kCacheRank = 4; // [B, H, C, D]
constexpr int64_t kCacheCapacityAxis = 2;
// Refinement and folding feed each other (a folded tensor.dim makes a length
// constant, which makes a cache read static); a few rounds reach the fixpoint.
constexpr int kSpecialisationRounds = 4;

//===----------------------------------------------------------------------===//
// Specialisation
//===----------------------------------------------------------------------===//

// Only the ops whose cost is computed need static shapes.
bool hasDynamicTensors(Operation *op) {
  if (!isa<gpt2::CostModelOpInterface>(op))
    return false;
  auto dynamic = [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && !tensor.hasStaticShape();
  };
  return llvm::any_of(op->getOperandTypes(), dynamic) ||
         llvm::any_of(op->getResultTypes(), dynamic);
}

bool isFullyStatic(func::FuncOp function) {
  WalkResult walk = function.walk([](Operation *op) {
    return hasDynamicTensors(op) ? WalkResult::interrupt() : WalkResult::advance();
  });
  return !walk.wasInterrupted();
}

// Replaces `function`'s dynamic argument dimensions by the requested shape:
// ids [B, T], caches [B, H, C, D], the past length by the constant P. Records the
// values used in `cost`.
LogicalResult specialiseArguments(func::FuncOp function, int64_t batch, int64_t tokens,
                                  int64_t past, FunctionCost &cost) {
  auto fail = [&](const Twine &message) {
    return emitError(function.getLoc())
           << "gpt2-cost: cannot specialise @" << function.getSymName() << ": " << message;
  };
  if (function.getNumArguments() == 0)
    return fail("expected token ids tensor<BxTxi32> as the first argument");
  BlockArgument idsArgument = function.getArgument(kIdsArgument);
  auto ids = dyn_cast<RankedTensorType>(idsArgument.getType());
  if (!ids || ids.getRank() != 2 || !ids.getElementType().isInteger(32))
    return fail("expected token ids tensor<BxTxi32> as the first argument");

  // Dimensions the function fixes itself (decode: T = 1) win over the request.
  cost.batch = ids.isDynamicDim(0) ? batch : ids.getDimSize(0);
  cost.tokens = ids.isDynamicDim(1) ? tokens : ids.getDimSize(1);
  idsArgument.setType(RankedTensorType::get({cost.batch, cost.tokens}, ids.getElementType()));

  std::optional<unsigned> pastArgument;
  std::optional<int64_t> capacity;
  for (BlockArgument argument : function.getArguments().drop_front()) {
    unsigned index = argument.getArgNumber();
    if (argument.getType().isIndex()) {
      if (pastArgument)
        return fail(llvm::formatv("arguments #{0} and #{1} are both index values; expected one "
                                  "past length",
                                  *pastArgument, index));
      pastArgument = index;
      continue;
    }
    auto cache = dyn_cast<RankedTensorType>(argument.getType());
    if (!cache || cache.getRank() != kCacheRank)
      return fail(
          llvm::formatv("argument #{0} is neither a past length nor a [B, H, C, D] cache", index));
    SmallVector<int64_t> shape(cache.getShape());
    if (ShapedType::isDynamic(shape[0]))
      shape[0] = cost.batch;
    else if (shape[0] != cost.batch)
      return fail(llvm::formatv("cache argument #{0} holds {1} sequences, not batch = {2}", index,
                                shape[0], cost.batch));
    if (llvm::any_of(ArrayRef(shape).drop_front(), ShapedType::isDynamic))
      return fail(
          llvm::formatv("cache argument #{0} has dynamic dimensions besides the batch", index));
    capacity =
        capacity ? std::min(*capacity, shape[kCacheCapacityAxis]) : shape[kCacheCapacityAxis];
    argument.setType(RankedTensorType::get(shape, cache.getElementType(), cache.getEncoding()));
  }

  // Functions without a past length (prefill, score) start from an empty cache.
  cost.past = pastArgument ? past : 0;
  if (capacity && cost.past + cost.tokens > *capacity)
    return fail(llvm::formatv("past ({0}) + tokens ({1}) exceeds the cache capacity {2}", cost.past,
                              cost.tokens, *capacity));
  if (pastArgument) {
    Block &entry = function.getBody().front();
    OpBuilder builder = OpBuilder::atBlockBegin(&entry);
    Value constant = arith::ConstantIndexOp::create(builder, function.getLoc(), cost.past);
    function.getArgument(*pastArgument).replaceAllUsesWith(constant);
    if (failed(function.eraseArgument(*pastArgument)))
      return fail("the past-length argument cannot be removed");
  }
  function.setType(FunctionType::get(function.getContext(), function.getBody().getArgumentTypes(),
                                     function.getResultTypes()));
  return success();
}

LogicalResult makeStatic(func::FuncOp function) {
  for (int round = 0; round < kSpecialisationRounds && !isFullyStatic(function); ++round) {
    refineShapes(function);
    if (failed(simplify(function)))
      return emitError(function.getLoc())
             << "gpt2-cost: simplifying @" << function.getSymName() << " did not converge";
  }
  refineShapes(function);
  WalkResult dynamic = function.walk([&](Operation *op) {
    if (!hasDynamicTensors(op))
      return WalkResult::advance();
    emitError(op->getLoc()) << "gpt2-cost: shapes still dynamic after specialising @"
                            << function.getSymName();
    return WalkResult::interrupt();
  });
  return failure(dynamic.wasInterrupted());
}

//===----------------------------------------------------------------------===//
// Summation
//===----------------------------------------------------------------------===//

bool isGpt2Op(Operation *op) { return isa_and_present<gpt2::Gpt2Dialect>(op->getDialect()); }

LogicalResult sumCosts(func::FuncOp function, FunctionCost &cost) {
  WalkResult walk = function.walk([&](Operation *op) {
    auto model = dyn_cast<gpt2::CostModelOpInterface>(op);
    if (!model) {
      // Index arithmetic and shape queries move no tensors; a tensor-producing op
      // without a model is worth knowing about.
      if (isGpt2Op(op)) {
        emitError(op->getLoc()) << "gpt2-cost: no cost model for " << op->getName();
        return WalkResult::interrupt();
      }
      if (llvm::any_of(op->getResultTypes(), llvm::IsaPred<TensorType>))
        emitWarning(op->getLoc()) << "gpt2-cost: " << op->getName() << " is not counted";
      return WalkResult::advance();
    }
    gpt2::OpCost opCost = model.estimateCost();
    if (opCost.isZero())
      return WalkResult::advance(); // weights: their users read them
    std::string name = op->getName().getStringRef().str();
    cost.ops.push_back({name, opLabel(op), model.describeCostAssumptions(), opCost});
    OpKindCost &kind = cost.kinds[name];
    kind.count += 1;
    kind.cost += opCost;
    cost.total += opCost;
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

//===----------------------------------------------------------------------===//
// Labels
//===----------------------------------------------------------------------===//

void collectNames(Location loc, SmallVectorImpl<std::string> &names) {
  if (auto named = dyn_cast<NameLoc>(loc)) {
    std::string name = named.getName().str();
    if (!llvm::is_contained(names, name))
      names.push_back(name);
  } else if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location part : fused.getLocations())
      collectNames(part, names);
  } else if (auto call = dyn_cast<CallSiteLoc>(loc)) {
    collectNames(call.getCallee(), names);
  }
}

// "h.0.attn.c_attn.weight" -> "h.0.attn.c_attn".
std::string weightLabel(Operation *op) {
  for (Value operand : op->getOperands())
    if (auto weight = operand.getDefiningOp<gpt2::WeightOp>()) {
      StringRef name = weight.getTensorName();
      if (!name.consume_back(".weight"))
        (void)name.consume_back(".bias");
      return name.str();
    }
  return {};
}

} // namespace

std::string opLabel(Operation *op) {
  SmallVector<std::string> names;
  collectNames(op->getLoc(), names);
  if (!names.empty())
    return llvm::join(names, "+");
  if (std::string fromWeight = weightLabel(op); !fromWeight.empty())
    return fromWeight;
  if (auto file = op->getLoc()->findInstanceOf<FileLineColLoc>())
    return llvm::formatv("{0}:{1}:{2}", llvm::sys::path::filename(file.getFilename().getValue()),
                         file.getLine(), file.getColumn())
        .str();
  return "?";
}

gpt2::OpCost FunctionCost::costOf(StringRef opName) const {
  auto kind = kinds.find(opName.str());
  return kind == kinds.end() ? gpt2::OpCost{} : kind->second.cost;
}

void registerCostReportDependencies(DialectRegistry &registry) {
  registry.insert<gpt2::Gpt2Dialect, arith::ArithDialect, tensor::TensorDialect>();
  gpt2::registerCostModels(registry);
}

FailureOr<FunctionCost> estimateFunctionCost(func::FuncOp function, int64_t batch, int64_t tokens,
                                             int64_t past) {
  MLIRContext *context = function.getContext();
  DialectRegistry registry;
  registerCostReportDependencies(registry);
  context->appendDialectRegistry(registry);

  if (function.isExternal())
    return emitError(function.getLoc())
           << "gpt2-cost: @" << function.getSymName() << " has no body";
  if (batch < 1 || tokens < 1 || past < 0)
    return emitError(function.getLoc())
           << "gpt2-cost: expected batch >= 1, tokens >= 1 and past >= 0, got " << batch << ", "
           << tokens << " and " << past;

  FunctionCost cost;
  cost.name = function.getSymName().str();
  auto phase = function->getAttrOfType<StringAttr>("gpt2.phase");
  cost.phase = phase ? phase.getValue().str() : "forward";

  // The copy lives in a scratch module beside the weight stores it names.
  OwningOpRef<ModuleOp> scratch = ModuleOp::create(function.getLoc());
  OpBuilder builder = OpBuilder::atBlockEnd(scratch->getBody());
  if (auto module = function->getParentOfType<ModuleOp>())
    for (auto store : module.getOps<gpt2::WeightStoreOp>())
      builder.clone(*store);
  auto copy = cast<func::FuncOp>(builder.clone(*function));

  if (failed(specialiseArguments(copy, batch, tokens, past, cost)) || failed(makeStatic(copy)) ||
      failed(sumCosts(copy, cost)))
    return failure();
  return cost;
}

namespace {

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

std::string integer(double value) { return llvm::formatv("{0:F0}", value).str(); }

void printCostColumns(raw_ostream &os, const gpt2::OpCost &cost) {
  os << llvm::formatv("{0,16} {1,14} {2,14} {3,14}", integer(cost.flops), integer(cost.bytesRead),
                      integer(cost.bytesWritten), integer(cost.weightBytes));
}

void printTable(raw_ostream &os, const FunctionCost &cost) {
  os << llvm::formatv("gpt2-cost @{0} ({1}): batch={2} tokens={3} past={4}\n", cost.name,
                      cost.phase, cost.batch, cost.tokens, cost.past);
  os << llvm::formatv("  {0,-20} {1,-32} {2,16} {3,14} {4,14} {5,14}  {6}\n", "op", "location",
                      "flops", "bytes_read", "bytes_written", "weight_bytes", "notes");
  for (const OpCostEntry &entry : cost.ops) {
    os << llvm::formatv("  {0,-20} {1,-32} ", entry.opName, entry.label);
    printCostColumns(os, entry.cost);
    if (!entry.assumptions.empty())
      os << "  " << entry.assumptions;
    os << "\n";
  }
  os << llvm::formatv("  {0,-20} {1,-32} {2,16} {3,14} {4,14} {5,14}  {6}\n", "op kind", "count",
                      "flops", "bytes_read", "bytes_written", "weight_bytes", "flop/byte");
  for (const auto &[name, kind] : cost.kinds) {
    os << llvm::formatv("  {0,-20} {1,-32} ", name, kind.count);
    printCostColumns(os, kind.cost);
    os << llvm::formatv("  {0:F2}\n", kind.cost.arithmeticIntensity());
  }
  os << llvm::formatv("  {0,-20} {1,-32} ", "total @" + cost.name, cost.ops.size());
  printCostColumns(os, cost.total);
  os << llvm::formatv("  {0:F2}\n", cost.total.arithmeticIntensity());
  os << llvm::formatv("  total @{0}: flops={1} bytes={2} intensity={3:F2} flop/byte\n\n", cost.name,
                      integer(cost.total.flops), integer(cost.total.bytes()),
                      cost.total.arithmeticIntensity());
}

// Integral counts print as integers; shares of int8 scales may be fractional.
llvm::json::Value number(double value) {
  if (value == std::trunc(value) && std::abs(value) < 0x1p53)
    return int64_t(value);
  return value;
}

llvm::json::Object costObject(const gpt2::OpCost &cost) {
  return llvm::json::Object{{"flops", number(cost.flops)},
                            {"bytes_read", number(cost.bytesRead)},
                            {"bytes_written", number(cost.bytesWritten)},
                            {"weight_bytes", number(cost.weightBytes)},
                            {"intensity", cost.arithmeticIntensity()}};
}

llvm::json::Object functionObject(const FunctionCost &cost) {
  llvm::json::Array ops;
  for (const OpCostEntry &entry : cost.ops) {
    llvm::json::Object op = costObject(entry.cost);
    op["op"] = entry.opName;
    op["location"] = entry.label;
    if (!entry.assumptions.empty())
      op["notes"] = entry.assumptions;
    ops.push_back(std::move(op));
  }
  llvm::json::Object kinds;
  for (const auto &[name, kind] : cost.kinds) {
    llvm::json::Object object = costObject(kind.cost);
    object["count"] = kind.count;
    kinds[name] = std::move(object);
  }
  return llvm::json::Object{{"name", cost.name},         {"phase", cost.phase},
                            {"batch", cost.batch},       {"tokens", cost.tokens},
                            {"past", cost.past},         {"ops", std::move(ops)},
                            {"kinds", std::move(kinds)}, {"total", costObject(cost.total)}};
}

struct CostReportPass : impl::CostReportBase<CostReportPass> {
  using CostReportBase::CostReportBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    registerCostReportDependencies(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (batch < 1 || tokens < 1 || past < 0) {
      emitError(module.getLoc())
          << "gpt2-cost: expected batch >= 1, tokens >= 1 and past >= 0, got " << int64_t(batch)
          << ", " << int64_t(tokens) << " and " << int64_t(past);
      return signalPassFailure();
    }
    SmallVector<FunctionCost> costs;
    bool allEstimated = true;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal())
        continue;
      FailureOr<FunctionCost> cost = estimateFunctionCost(function, batch, tokens, past);
      if (failed(cost))
        allEstimated = false;
      else
        costs.push_back(std::move(*cost));
    }

    if (json) {
      llvm::json::Array functions;
      for (const FunctionCost &cost : costs)
        functions.push_back(functionObject(cost));
      llvm::json::Object report{{"batch", int64_t(batch)},
                                {"tokens", int64_t(tokens)},
                                {"past", int64_t(past)},
                                {"functions", std::move(functions)}};
      llvm::outs() << llvm::formatv("{0:2}", llvm::json::Value(std::move(report))) << "\n";
    } else {
      for (const FunctionCost &cost : costs)
        printTable(llvm::outs(), cost);
    }
    markAllAnalysesPreserved();
    if (!allEstimated)
      signalPassFailure();
  }
};

} // namespace
} // namespace gpt2c
