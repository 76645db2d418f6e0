#include "gpt2c/interpreter/InterpreterBackend.h"

#include "gpt2c/importer/Importer.h"
#include "gpt2c/support/Error.h"

namespace gpt2c::interp {

InterpreterBackend::InterpreterBackend(std::unique_ptr<WeightStore> store, Precision precision)
    : ownedStore_(std::move(store)), store_(ownedStore_.get()),
      context_(std::make_unique<mlir::MLIRContext>()) {
  prepareContext(*context_);
  ownedModule_ = importModel(*context_, *store_);
  attach(*ownedModule_, precision);
}

InterpreterBackend::InterpreterBackend(std::unique_ptr<mlir::MLIRContext> context,
                                       mlir::OwningOpRef<mlir::ModuleOp> module,
                                       std::unique_ptr<WeightStore> store, Precision precision)
    : ownedStore_(std::move(store)), store_(ownedStore_.get()), context_(std::move(context)),
      ownedModule_(std::move(module)) {
  attach(*ownedModule_, precision);
}

InterpreterBackend::InterpreterBackend(mlir::ModuleOp module, const WeightStore &store,
                                       Precision precision)
    : store_(&store) {
  attach(module, precision);
}

void InterpreterBackend::attach(mlir::ModuleOp module, Precision precision) {
  precision_ = precision;
  auto weights = std::make_shared<WeightCache>(*store_); // converted once for every phase
  auto load = [&](llvm::StringRef name) -> std::unique_ptr<Interpreter> {
    if (auto function = module.lookupSymbol<mlir::func::FuncOp>(name))
      return std::make_unique<Interpreter>(function, weights, precision);
    return nullptr;
  };
  forward_ = load("forward");
  prefill_ = load("prefill");
  score_ = load("score");
  decode_ = load("decode");
  if (!forward_ && !(prefill_ && decode_))
    fail("interpreter: the module has neither @forward nor both @prefill and @decode");
}

std::string InterpreterBackend::describe() const {
  return fmt::format("interpreter {}{}, {}", precision_ == Precision::F32 ? "f32" : "f64",
                     forward_ ? "" : " (phases)", store_->source());
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
    if (precision_ == Precision::F32)
      caches_.push_back(Tensor<float>(shape));
    else
      caches_.push_back(Tensor<double>(shape));
  }
  batch_ = batch;
}

// The entry point for this step: the phases where they fit, else @forward.
Interpreter *InterpreterBackend::choose(std::int64_t tokens, bool allPositions) const {
  if (pastLength_ == 0) {
    if (allPositions && score_)
      return score_.get();
    if (!allPositions && prefill_)
      return prefill_.get();
  } else if (tokens == 1 && decode_) {
    return decode_.get();
  }
  if (forward_)
    return forward_.get();
  if (allPositions && tokens > 1)
    fail("interpreter: every position's logits need @score or @forward (compile with score=true)");
  fail("interpreter: the phases take the prompt at once, then one token per step ({} tokens after "
       "{})",
       tokens, pastLength_);
}

Tensor<float> InterpreterBackend::forwardBatch(const Tensor<std::int32_t> &ids, bool allPositions) {
  const ModelConfig &config = store_->config();
  if (ids.rank() != 2 || ids.dim(0) < 1 || ids.dim(1) < 1)
    fail("interpreter: forward needs at least one sequence of at least one token");
  std::int64_t batch = ids.dim(0), tokens = ids.dim(1);
  if (pastLength_ > 0 && batch != batch_)
    fail("interpreter: batch of {} sequences, but the caches hold {}", batch, batch_);
  if (pastLength_ + tokens > config.nPositions)
    fail("interpreter: {} past + {} new tokens exceed the context of {} positions", pastLength_,
         tokens, config.nPositions);
  for (std::int32_t id : ids.values())
    if (id < 0 || id >= config.vocabSize)
      fail("interpreter: token id {} is out of range [0, {})", id, config.vocabSize);
  Interpreter *interpreter = choose(tokens, allPositions);
  if (pastLength_ == 0)
    allocateCaches(batch);

  // The phases without a past-length argument (prefill, score) start at 0.
  std::vector<RuntimeValue> arguments = {ids};
  if (interpreter == forward_.get() || interpreter == decode_.get())
    arguments.push_back(pastLength_);
  for (RuntimeValue &cache : caches_)
    arguments.push_back(std::move(cache)); // moved: the caches are updated in place
  caches_.clear();
  std::vector<RuntimeValue> results;
  try {
    results = interpreter->run(std::move(arguments));
  } catch (...) {
    reset(); // the caches were handed to the failed run
    throw;
  }
  caches_.assign(std::make_move_iterator(results.begin() + 1),
                 std::make_move_iterator(results.end()));
  pastLength_ += tokens;
  if (auto *logits = std::get_if<Tensor<float>>(&results[0]))
    return std::move(*logits);
  const Tensor<double> &wide = std::get<Tensor<double>>(results[0]);
  return Tensor<float>(wide.shape(), std::vector<float>(wide.values().begin(), wide.values().end()));
}

std::vector<float> InterpreterBackend::forward(std::span<const std::int32_t> tokens,
                                               bool allPositions) {
  Tensor<std::int32_t> ids({1, std::int64_t(tokens.size())},
                           std::vector<std::int32_t>(tokens.begin(), tokens.end()));
  Tensor<float> logits = forwardBatch(ids, allPositions);
  std::int64_t vocab = logits.dim(2), rows = logits.dim(1);
  if (allPositions && rows != std::int64_t(tokens.size()))
    fail("interpreter: the module returned {} rows of logits for {} tokens", rows, tokens.size());
  auto first = logits.values().begin() + (allPositions ? 0 : (rows - 1) * vocab);
  return std::vector<float>(first, logits.values().end());
}

} // namespace gpt2c::interp
