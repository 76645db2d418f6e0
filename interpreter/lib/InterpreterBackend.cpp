#include "gpt2c/interpreter/InterpreterBackend.h"

#include "gpt2c/importer/Importer.h"
#include "gpt2c/support/Error.h"

namespace gpt2c::interp {

InterpreterBackend::InterpreterBackend(std::unique_ptr<WeightStore> store, Precision precision)
    : ownedStore_(std::move(store)), store_(ownedStore_.get()),
      context_(std::make_unique<mlir::MLIRContext>()) {
  prepareContext(*context_);
  ownedModule_ = importModel(*context_, *store_);
  auto function = ownedModule_->lookupSymbol<mlir::func::FuncOp>(kForwardFunctionName);
  interpreter_ = std::make_unique<Interpreter>(function, *store_, precision);
}

InterpreterBackend::InterpreterBackend(mlir::ModuleOp module, llvm::StringRef functionName,
                                       const WeightStore &store, Precision precision)
    : store_(&store) {
  auto function = module.lookupSymbol<mlir::func::FuncOp>(functionName);
  if (!function)
    fail("interpreter: the module has no function @{}", functionName.str());
  interpreter_ = std::make_unique<Interpreter>(function, store, precision);
}

std::string InterpreterBackend::describe() const {
  return fmt::format("interpreter {}, {}",
                     interpreter_->precision() == Precision::F32 ? "f32" : "f64",
                     store_->source());
}

void InterpreterBackend::reset() {
  pastLength_ = 0;
  caches_.clear();
  batch_ = 0;
}

void InterpreterBackend::allocateCaches(std::int64_t batch) {
  const ModelConfig &config = store_->config();
  std::vector<std::int64_t> shape = {batch, config.nHead, config.nPositions, config.headDim()};
  caches_.clear();
  for (std::int64_t i = 0; i < 2 * config.nLayer; ++i) {
    if (interpreter_->precision() == Precision::F32)
      caches_.push_back(Tensor<float>(shape));
    else
      caches_.push_back(Tensor<double>(shape));
  }
  batch_ = batch;
}

std::vector<RuntimeValue> InterpreterBackend::run(const Tensor<std::int32_t> &ids) {
  std::vector<RuntimeValue> arguments = {ids, pastLength_};
  for (RuntimeValue &cache : caches_)
    arguments.push_back(std::move(cache)); // moved: the caches are updated in place
  caches_.clear();
  std::vector<RuntimeValue> results = interpreter_->run(std::move(arguments));
  caches_.assign(std::make_move_iterator(results.begin() + 1),
                 std::make_move_iterator(results.end()));
  results.resize(1);
  return results;
}

Tensor<float> InterpreterBackend::forwardBatch(const Tensor<std::int32_t> &ids) {
  const ModelConfig &config = store_->config();
  if (ids.rank() != 2 || ids.dim(0) < 1 || ids.dim(1) < 1)
    fail("interpreter: forward needs at least one sequence of at least one token");
  std::int64_t batch = ids.dim(0), tokens = ids.dim(1);
  if (pastLength_ == 0)
    allocateCaches(batch);
  else if (batch != batch_)
    fail("interpreter: batch of {} sequences, but the caches hold {}", batch, batch_);
  if (pastLength_ + tokens > config.nPositions)
    fail("interpreter: {} past + {} new tokens exceed the context of {} positions", pastLength_,
         tokens, config.nPositions);
  for (std::int32_t id : ids.values())
    if (id < 0 || id >= config.vocabSize)
      fail("interpreter: token id {} is out of range [0, {})", id, config.vocabSize);

  std::vector<RuntimeValue> results;
  try {
    results = run(ids);
  } catch (...) {
    reset(); // the caches were handed to the failed run
    throw;
  }
  pastLength_ += tokens;
  if (auto *logits = std::get_if<Tensor<float>>(&results[0]))
    return std::move(*logits);
  const Tensor<double> &wide = std::get<Tensor<double>>(results[0]);
  std::vector<float> narrowed(wide.values().begin(), wide.values().end());
  return Tensor<float>(wide.shape(), std::move(narrowed));
}

std::vector<float> InterpreterBackend::forward(std::span<const std::int32_t> tokens,
                                               bool allPositions) {
  Tensor<std::int32_t> ids({1, std::int64_t(tokens.size())},
                           std::vector<std::int32_t>(tokens.begin(), tokens.end()));
  Tensor<float> logits = forwardBatch(ids);
  std::int64_t vocab = logits.dim(2);
  auto first = logits.values().begin() + (allPositions ? 0 : (logits.dim(1) - 1) * vocab);
  return std::vector<float>(first, logits.values().end());
}

} // namespace gpt2c::interp
