// The importer builds verified IR from weight metadata alone.
#include "gpt2c/IR/Gpt2Dialect.h"
#include "gpt2c/checkpoint/SyntheticWeights.h"
#include "gpt2c/importer/Importer.h"

#include "TestSupport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

#include <set>
#include <sys/resource.h>

namespace gpt2c {
namespace {

// Fails the test if any weight value is read: importing must only use metadata.
class MetadataOnlyStore final : public WeightStore {
public:
  explicit MetadataOnlyStore(std::unique_ptr<WeightStore> inner) : inner_(std::move(inner)) {}
  std::string source() const override { return inner_->source(); }
  const ModelConfig &config() const override { return inner_->config(); }
  const std::vector<WeightInfo> &weights() const override { return inner_->weights(); }
  void readFloat32(const std::string &name, std::span<float>) const override {
    ADD_FAILURE() << "the importer read the values of " << name;
  }

private:
  std::unique_ptr<WeightStore> inner_;
};

long peakResidentKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(Importer, TinyModuleHasTheExpectedStructure) {
  mlir::MLIRContext context;
  MetadataOnlyStore store(openModel("synthetic:tiny"));
  auto module = importModel(context, store);
  ASSERT_TRUE(mlir::succeeded(mlir::verify(*module)));

  auto config = (*module)->getAttrOfType<gpt2::ConfigAttr>(gpt2::kConfigAttrName);
  ASSERT_TRUE(config);
  EXPECT_EQ(config.getNLayer(), 2);
  EXPECT_EQ(config.getHeadDim(), 16);

  auto forward = module->lookupSymbol<mlir::func::FuncOp>(kForwardFunctionName);
  ASSERT_TRUE(forward);
  EXPECT_EQ(forward.getNumArguments(), 2u + 2 * 2);
  EXPECT_EQ(forward.getNumResults(), 1u + 2 * 2);

  std::set<std::string> weightNames;
  int linears = 0, attentionMatmuls = 0;
  module->walk([&](mlir::Operation *op) {
    if (auto weight = mlir::dyn_cast<gpt2::WeightOp>(op))
      weightNames.insert(weight.getTensorName().str());
    linears += mlir::isa<gpt2::LinearOp>(op);
    attentionMatmuls += mlir::isa<gpt2::BatchMatmulOp>(op);
  });
  EXPECT_EQ(weightNames.size(), store.weights().size()); // every tensor used, none invented
  for (const WeightInfo &info : store.weights())
    EXPECT_TRUE(weightNames.contains(info.name)) << info.name;
  EXPECT_EQ(linears, 4 * 2);
  EXPECT_EQ(attentionMatmuls, 2 * 2);
}

TEST(Importer, Gpt2XlImportCopiesNoWeights) {
  long before = peakResidentKiB();
  mlir::MLIRContext context;
  MetadataOnlyStore store(openModel("synthetic:gpt2-xl:1"));
  auto module = importModel(context, store);
  ASSERT_TRUE(module);
  // 1.56 B parameters are 5.9 GiB in float32; the IR itself needs a few MiB.
  EXPECT_LT(peakResidentKiB() - before, 64 * 1024);
  int weights = 0;
  module->walk([&](gpt2::WeightOp) { ++weights; });
  EXPECT_EQ(weights, 2 + 48 * 12 + 2 + 1); // wte used twice: embedding and LM head
}

TEST(Importer, MiniModelKeepsFp16Weights) {
  mlir::MLIRContext context;
  auto store = openModel((test::sharedDir() / "models" / "gpt2-mini-pydocs").string());
  auto module = importModel(context, *store);
  int f16Weights = 0;
  module->walk([&](gpt2::WeightOp op) {
    f16Weights += op.getResult().getType().getElementType().isF16();
  });
  EXPECT_EQ(f16Weights, 77);
}

} // namespace
} // namespace gpt2c
