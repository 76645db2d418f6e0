#include "gpt2c/IR/ModuleSummary.h"

#include "gpt2c/IR/Gpt2Dialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/Format.h"

#include <map>
#include <string>

using namespace mlir;

namespace gpt2c::gpt2 {

void printModuleSummary(ModuleOp module, llvm::raw_ostream &os) {
  if (auto config = module->getAttrOfType<ConfigAttr>(kConfigAttrName))
    os << "config:     n_layer=" << config.getNLayer() << " n_embd=" << config.getNEmbd()
       << " n_head=" << config.getNHead() << " n_positions=" << config.getNPositions()
       << " vocab_size=" << config.getVocabSize() << " n_inner=" << config.getNInner() << "\n";
  for (auto store : module.getOps<WeightStoreOp>())
    os << "weights:    @" << store.getSymName() << " = " << store.getSource() << "\n";

  // Weights referenced from several places are counted once.
  llvm::StringMap<std::pair<int64_t, Type>> uniqueWeights;
  module.walk([&](WeightOp op) {
    auto type = op.getResult().getType();
    uniqueWeights[op.getTensorName()] = {type.getNumElements(), type.getElementType()};
  });
  int64_t parameters = 0;
  std::map<std::string, int64_t> bytesByType;
  for (auto &entry : uniqueWeights) {
    auto [count, elementType] = entry.second;
    parameters += count;
    std::string typeName;
    llvm::raw_string_ostream(typeName) << elementType;
    bytesByType[typeName] += count * ((elementType.getIntOrFloatBitWidth() + 7) / 8);
  }
  os << "parameters: " << parameters << " in " << uniqueWeights.size() << " tensors (";
  bool first = true;
  for (auto &[typeName, bytes] : bytesByType) {
    os << (first ? "" : ", ") << typeName << ": "
       << llvm::format("%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    first = false;
  }
  os << ")\n";

  for (auto function : module.getOps<func::FuncOp>()) {
    FunctionType type = function.getFunctionType();
    os << "function:   @" << function.getSymName() << " (" << type.getNumInputs()
       << " arguments, " << type.getNumResults() << " results)\n";
    llvm::MapVector<StringRef, int64_t> opCounts;
    int64_t total = 0;
    function.walk([&](Operation *op) {
      if (op == function.getOperation())
        return;
      ++opCounts[op->getName().getStringRef()];
      ++total;
    });
    os << "  " << total << " operations:";
    llvm::SmallVector<std::pair<StringRef, int64_t>> sorted(opCounts.begin(), opCounts.end());
    llvm::sort(sorted, [](auto &a, auto &b) { return a.first < b.first; });
    for (auto &[name, count] : sorted)
      os << " " << name << " x" << count;
    os << "\n";
  }
}

} // namespace gpt2c::gpt2
