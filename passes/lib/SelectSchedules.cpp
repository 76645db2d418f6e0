// Schedule selection for the x86 kernels (fields as codegen/x86/halide-generator
// documents them): an analytic choice from arithmetic intensity, overridden by a
// tuning database.
#include "GpuSchedules.h"
#include "gpt2c/passes/Passes.h"
#include "gpt2c/passes/ScheduleKeys.h"

#include "gpt2c/support/Error.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gpt2c {

#define GEN_PASS_DEF_SELECTSCHEDULES
#include "gpt2c/passes/Passes.h.inc"

using namespace mlir;
using Json = nlohmann::json;

namespace {

constexpr int64_t kLanes = 16; // float32 lanes of an AVX-512 vector
// Prefill calls of at most this many rows use the matrix-vector schedule of decode
// (fewRowsSchedule below).
constexpr int64_t kFewRows = 16;
// Columns of partial sums a few-rows split-K task keeps (kFewRows rows of them in L1).
constexpr int64_t kFewRowsPartialColumns = 384;
// The largest float32 weight panel a matrix-product task packs: most of the 1 MiB
// L2 of a Zen 4 or Sapphire Rapids core, leaving room for the rows it multiplies.
constexpr int64_t kPanelBytes = 768 * 1024;

int64_t storageBytes(Type element) { return element.isInteger(8) ? 1 : element.isF32() ? 4 : 2; }

struct Machine {
  double bandwidth; // bytes per second
  double peak;      // FLOP per second
  int64_t threads;
  double balance() const { return peak / bandwidth; } // FLOP per byte
};

int64_t roundUp(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// int8 weights over [N][K] rows: the activations are quantised too, in
// groups of the largest multiple of 64 up to 256 that divides both K and the
// weights' group, and every 64 weight bytes are one VNNI dot product (the 124M LM
// head: 2.5 -> 1.5 ms a token, about 90% of the read bandwidth, against f32
// activations widened from int8). 0 where K allows no such group (then int8 keeps
// float32 activations and register-tiled panels for many rows).
int64_t int8ActivationGroup(int64_t k, int64_t weightGroup) {
  for (int64_t group = 256; group >= 64; group -= 64)
    if (k % group == 0 && weightGroup % group == 0)
      return group;
  return 0;
}

// A product of `rows` rows by a [K, N] weight: matrix-vector when memory-bound,
// register tiles when compute-bound. Work is split in at least 4 tasks per thread.
Json productSchedule(int64_t rows, int64_t k, int64_t n, Type weightType, const Machine &machine,
                     bool transposedWeights, int64_t weightGroup = 0) {
  double flops = 2.0 * double(rows) * double(k) * double(n);
  double bytes = double(k * n * storageBytes(weightType)) + 4.0 * double(rows * (k + n));
  bool computeBound = flops / bytes > machine.balance();
  // int8 dot products run at four times the float32 FMA rate, so int8 over [N][K]
  // rows streams its weights with quantised activations at every row count, in
  // register tiles of 4 rows where there are several (124M prefill of 128 tokens:
  // 1100-1240 -> 1590 tokens/s against float32 panels widened from int8).
  int64_t group = transposedWeights && weightType.isInteger(8)
                      ? int8ActivationGroup(k, weightGroup ? weightGroup : k)
                      : 0;
  bool int8Dots = group > 0;
  // One row of bf16 weights takes bf16 activations: every 32 products are one
  // vdpbf16ps reading the weights as stored, no widening ([K][N] matrices are stored
  // in pairs of rows, kpairs; the LM head's [V][E] rows as they are). Only for one
  // row: this machine retires half a vdpbf16ps per cycle against two FMAs, so
  // several rows are faster widened once and multiplied in float32.
  bool bf16Dots = weightType.isBF16() && rows == 1 &&
                  (transposedWeights ? k % (2 * kLanes) == 0 : k % 2 == 0);
  Json schedule;
  if (computeBound && !int8Dots) {
    // 6 x 64 register tiles (24 of the 32 zmm registers) over float32 panels of 128
    // columns, or 64 where 128 would not stay in L2 (K = 3072: 1.5 MiB): measured
    // best on this machine.
    int64_t tile = 4 * kLanes;
    schedule = {{"strategy", "gemm"}, {"vector", kLanes}, {"tile_m", 6}, {"tile_n", tile}, {"unroll", 2}};
    int64_t panelColumns = 4 * k * 2 * tile <= kPanelBytes ? 2 * tile : tile;
    schedule["n_per_task"] = n >= panelColumns ? panelColumns : std::max<int64_t>(tile, n / tile * tile);
    if (n < tile) {
      schedule["tile_n"] = std::max<int64_t>(kLanes, n / kLanes * kLanes);
      schedule["n_per_task"] = schedule["tile_n"];
    }
  } else if (!transposedWeights && n >= kLanes) {
    // [K][N] rows: each thread sums a contiguous chunk of whole rows (split-K), a
    // stream the hardware prefetchers follow; strips of columns per task read a few
    // cache lines of every row instead (bf16 decode measured 1.16x slower so).
    // At least 8 chunks (16 at most: the partial sums are added up serially), taken
    // by the threads as they become free: an artifact carried to a machine with
    // more cores than it was compiled for still spreads its products over them
    // (on 2 threads, 8 chunks measured the same as 2).
    // With bf16 activations the reduction steps are pairs of k.
    // bf16 [K][N] weights are stored in pairs of rows: whole pairs per step.
    int64_t steps = bf16Dots ? k / 2 : k;
    int64_t unroll = bf16Dots ? (steps % 2 == 0 ? 2 : 1) : (k % 4 == 0 ? 4 : weightType.isBF16() ? 2 : 1);
    int64_t tile = std::min<int64_t>(4 * kLanes, n / kLanes * kLanes);
    int64_t splitK = machine.threads > 1 ? std::clamp<int64_t>(4 * machine.threads, 8, 16) : 1;
    while (splitK > 1 && (steps % (splitK * unroll) != 0 ||
                          (weightType.isBF16() && (k / splitK) % 2 != 0))) // the generator's requirements
      --splitK;
    schedule = {{"strategy", "gemv"}, {"vector", kLanes}, {"tile_n", tile},
                {"n_per_task", n / tile * tile}, {"unroll", unroll}};
    if (splitK > 1)
      schedule["split_k"] = splitK;
    // bf16 and f16 read as uint32 column pairs: one shift or mask per 16 bf16 weights
    // instead of a zero-extension and a shift; for f16, four or five operations
    // instead of six (124M f16 decode about 3% faster).
    if (splitK > 1 && weightType.isF16() && tile % (2 * kLanes) == 0 && n % 2 == 0)
      schedule["pairs"] = true;
  } else {
    // Vectorised along the contiguous weight dimension: n for [K][N], k for [N][K].
    int64_t tile = transposedWeights ? 4 : std::min<int64_t>(4 * kLanes, n / kLanes * kLanes);
    if (tile <= 0)
      tile = transposedWeights ? 1 : kLanes;
    int64_t perTask = roundUp((n + 8 * machine.threads - 1) / (8 * machine.threads), tile);
    schedule = {{"strategy", "gemv"}, {"vector", kLanes}, {"tile_n", tile},
                {"n_per_task", std::min(perTask, n / tile * tile)}};
    if (int8Dots)
      schedule.update({{"activations", "int8"}, {"activation_group", group}});
    if (int8Dots && rows > 1)
      schedule["tile_m"] = 4;
  }
  if (bf16Dots)
    schedule["activations"] = "bf16";
  schedule["parallel"] = machine.threads > 1;
  return schedule;
}

class ScheduleSelector {
public:
  ScheduleSelector(Machine machine, int64_t prefillRows, Json tuning)
      : machine_(machine), prefillRows_(prefillRows), tuning_(std::move(tuning)) {}

  void select(func::FuncOp function) {
    auto phase = function->getAttrOfType<StringAttr>("gpt2.phase");
    bool decode = phase && phase.getValue() == "decode";
    int64_t rows = decode ? 1 : prefillRows_;
    function.walk([&](Operation *op) {
      std::optional<Json> chosen = choose(op, rows, decode);
      if (!chosen)
        return;
      Json &schedule = *chosen;
      if (auto tuned = tuning_.find(scheduleKey(op)); tuned != tuning_.end())
        schedule = *tuned;
      op->setAttr("gpt2.schedule", toAttribute(op->getContext(), schedule));
      if (std::optional<Json> few = fewRowsSchedule(op, schedule))
        op->setAttr("gpt2.few_rows_schedule", toAttribute(op->getContext(), *few));
    });
  }

private:
  // A prefill or scoring product tiled for many rows also gets a matrix-vector
  // schedule for calls of at most kFewRows rows (short prompts: time to first
  // token), which the glue picks at run time. It streams the weights once, every
  // row riding along, as decode does, in the same weight layout and view of it: f16
  // reads its [K][N] rows plainly (column pairs would need another view), bf16 its
  // pairs of rows as uint32 words, as the matrix product does.
  std::optional<Json> fewRowsSchedule(Operation *op, const Json &chosen) {
    auto linear = dyn_cast<gpt2::FusedLinearOp>(op);
    if (!linear || chosen.value("strategy", "gemv") != "gemm")
      return std::nullopt;
    // Several rows: float32 activations (no bf16 dot products), as the main schedule.
    Json few = *choose(op, 2, /*decode=*/true);
    if (few.value("layout", "kn") != chosen.value("layout", "kn"))
      return std::nullopt;
    few.erase("pairs");
    few["max_rows"] = kFewRows;
    // Split-K tasks keep their rows' partial sums for n_per_task columns: at most
    // kFewRows x 384 float32 (24 KiB) stays in L1 between passes over the weights,
    // and 8 k rows of 2 vectors per pass load and store the partial sums half as often
    // per multiply-add as 4 rows of 4 vectors (124M bf16, 12 tokens: 33.2 ms with every column
    // per task, 25.4 with 384, 23.6 with 8 rows of 32 columns).
    if (few.contains("split_k")) {
      int64_t k = cast<RankedTensorType>(linear.getWeight().getType()).getDimSize(0);
      int64_t tile = std::min<int64_t>(few["tile_n"].get<int64_t>(), 2 * kLanes);
      int64_t columns = std::max(tile, kFewRowsPartialColumns / tile * tile);
      few["tile_n"] = tile;
      few["n_per_task"] = std::min(few["n_per_task"].get<int64_t>(), columns);
      if (k % (few["split_k"].get<int64_t>() * 8) == 0)
        few["unroll"] = 8;
    }
    return few;
  }

  std::optional<Json> choose(Operation *op, int64_t rows, bool decode) {
    if (auto linear = dyn_cast<gpt2::FusedLinearOp>(op)) {
      auto weight = cast<RankedTensorType>(linear.getWeight().getType());
      int64_t k = weight.getDimSize(0), n = weight.getDimSize(1);
      int64_t m = cast<RankedTensorType>(linear.getInput().getType()).getDimSize(1) == 1 ? 1 : rows;
      // One layout serves every phase, so no weight is stored twice: the checkpoint's
      // [K][N] rows suit matrix-vector (split-K) and matrix products alike. int8 is
      // the exception: over transposed [N][K] rows its decode products are VNNI dot
      // products of quantised activations (per-channel scales: fc2 204 -> 109 us).
      auto quantization = dyn_cast_or_null<gpt2::Int8QuantAttr>(weight.getEncoding());
      bool transposed = quantization != nullptr;
      Json schedule = productSchedule(m, k, n, weight.getElementType(), machine_, transposed,
                                      quantization ? quantization.getGroupSize() : 0);
      bool kPairs = !transposed && weight.getElementType().isBF16() && k % 2 == 0;
      schedule["layout"] = transposed ? "nk" : kPairs ? "kpairs" : "kn";
      return schedule;
    }
    if (auto head = dyn_cast<gpt2::LmHeadOp>(op)) {
      auto weight = cast<RankedTensorType>(head.getWeight().getType());
      int64_t m = cast<RankedTensorType>(head.getInput().getType()).getDimSize(1) == 1 ? 1 : rows;
      auto quantization = dyn_cast_or_null<gpt2::Int8QuantAttr>(weight.getEncoding());
      return productSchedule(m, weight.getDimSize(1), weight.getDimSize(0),
                             weight.getElementType(), machine_, true,
                             quantization ? quantization.getGroupSize() : 0);
    }
    if (auto attention = dyn_cast<gpt2::AttentionOp>(op)) {
      int64_t queries = cast<RankedTensorType>(attention.getQuery().getType()).getDimSize(2);
      bool oneQuery = decode || queries == 1;
      Json schedule = {{"vector", kLanes},
                       {"tile_t", oneQuery ? 1 : 4},
                       {"key_block", oneQuery ? 64 : 32},
                       {"parallel", machine_.threads > 1}};
      return schedule;
    }
    if (isa<gpt2::EmbedOp, gpt2::LayerNormOp, gpt2::SplitQkvOp>(op)) {
      Json schedule = {{"vector", kLanes},
                       {"rows_per_task", decode ? 1 : std::max<int64_t>(1, rows / (4 * machine_.threads))},
                       {"parallel", !decode && machine_.threads > 1}};
      return schedule;
    }
    return std::nullopt;
  }

public:
  static DictionaryAttr toAttribute(MLIRContext *context, const Json &schedule) {
    Builder builder(context);
    SmallVector<NamedAttribute> fields;
    for (auto &[key, value] : schedule.items()) {
      Attribute attribute;
      if (value.is_boolean())
        attribute = builder.getBoolAttr(value.get<bool>());
      else if (value.is_number_integer())
        attribute = builder.getI64IntegerAttr(value.get<int64_t>());
      else if (value.is_string())
        attribute = builder.getStringAttr(value.get<std::string>());
      else
        continue;
      fields.push_back(builder.getNamedAttr(key, attribute));
    }
    return builder.getDictionaryAttr(fields);
  }

private:
  Machine machine_;
  int64_t prefillRows_;
  Json tuning_; // scheduleKey(op) -> schedule
};

struct SelectSchedulesPass : impl::SelectSchedulesBase<SelectSchedulesPass> {
  using SelectSchedulesBase::SelectSchedulesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (target == "sm_90") {
      auto config = module->getAttrOfType<gpt2::ConfigAttr>(gpt2::kConfigAttrName);
      if (!config) {
        module.emitError() << "gpt2-select-schedules: the module has no gpt2.config";
        return signalPassFailure();
      }
      for (auto function : module.getOps<func::FuncOp>()) {
        auto phase = function->getAttrOfType<StringAttr>("gpt2.phase");
        bool decode = phase && phase.getValue() == "decode";
        function.walk([&](Operation *op) {
          if (std::optional<Json> schedule = chooseGpuSchedule(op, decode, config.getNPositions()))
            op->setAttr("gpt2.schedule", ScheduleSelector::toAttribute(op->getContext(), *schedule));
        });
      }
      return;
    }
    if (target != "x86-avx512") {
      module.emitError() << "gpt2-select-schedules: unknown target '" << target
                         << "' (available: x86-avx512, sm_90)";
      return signalPassFailure();
    }
    if (threads < 1 || !(bandwidth > 0) || !(peak > 0) || prefillRows < 1) {
      module.emitError() << "gpt2-select-schedules: threads, bandwidth, peak and prefill-rows "
                            "must be positive";
      return signalPassFailure();
    }
    Json tuning = Json::object();
    if (!tuningDb.empty()) {
      std::ifstream file(tuningDb);
      std::stringstream text;
      text << file.rdbuf();
      Json database = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
      if (!file || database.is_discarded() || !database.is_object() ||
          !database.contains("entries") || !database["entries"].is_array()) {
        module.emitError() << "gpt2-select-schedules: " << tuningDb
                           << ": not a tuning database (an object with an \"entries\" array)";
        return signalPassFailure();
      }
      for (const Json &entry : database["entries"])
        if (entry.value("target", "") == std::string(target) && entry.contains("key") &&
            entry.contains("schedule"))
          tuning[entry["key"].get<std::string>()] = entry["schedule"];
    }
    Machine machine{bandwidth * 1e9, peak * 1e9, threads};
    ScheduleSelector selector(machine, prefillRows, std::move(tuning));
    for (auto function : module.getOps<func::FuncOp>())
      selector.select(function);
  }
};

} // namespace
} // namespace gpt2c
