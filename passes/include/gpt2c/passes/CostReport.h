#pragma once
// Cost estimates of whole functions: the API behind the gpt2-cost pass, for
// schedule selection and benchmarks. The per-op conventions are documented in
// gpt2c/IR/Gpt2CostInterface.h.
#include "gpt2c/IR/Gpt2CostInterface.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gpt2c {

// One op of the specialised function.
struct OpCostEntry {
  std::string opName;      // "gpt2.fused_linear"
  std::string label;       // where it comes from, e.g. "h.3.mlp.c_fc" (see opLabel)
  std::string assumptions; // CostModelOpInterface::describeCostAssumptions, e.g. "L=101"
  gpt2::OpCost cost;
};

// The ops of one kind together.
struct OpKindCost {
  int64_t count = 0;
  gpt2::OpCost cost;
};

struct FunctionCost {
  std::string name;  // symbol name, e.g. "decode"
  std::string phase; // the gpt2.phase attribute, "forward" when absent
  // The shapes the function was specialised to. Dimensions the IR fixes win over
  // the requested ones (decode: tokens = 1); functions without a past-length
  // argument (prefill, score) start from an empty cache: past = 0.
  int64_t batch = 0, tokens = 0, past = 0;
  std::vector<OpCostEntry> ops;            // program order; weights omitted
  std::map<std::string, OpKindCost> kinds; // by op name
  gpt2::OpCost total;

  // The summed cost of the ops named `opName` (zero when there are none).
  gpt2::OpCost costOf(llvm::StringRef opName) const;
};

// Attaches the cost models to the gpt2 ops of `registry` (and the dialects that
// specialisation creates ops of), for contexts that estimate costs.
void registerCostReportDependencies(mlir::DialectRegistry &registry);

// Specialises a copy of `function` to `batch` sequences of `tokens` new tokens
// after `past` cached ones, refines its shapes and sums the costs of its ops.
// `function` is not modified. Fails, with an error at the function's (or the
// offending op's) location, when the function cannot be made static.
mlir::FailureOr<FunctionCost> estimateFunctionCost(mlir::func::FuncOp function, int64_t batch,
                                                   int64_t tokens, int64_t past);

// A readable name for the op's location: the names of a NameLoc (joined by "+"
// for fused locations); for IR read back from text, the weight the op uses (e.g.
// "h.0.attn.c_attn"); else "file:line:col".
std::string opLabel(mlir::Operation *op);

} // namespace gpt2c
