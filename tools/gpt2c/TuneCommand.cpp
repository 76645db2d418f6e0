// gpt2c tune MODEL --target x86-avx512 [-o tuning.json] [--phases decode,prefill]
//            [--prefill-rows N] [--budget SECONDS] [--weights f32|bf16|f16|int8]
//
// Measures kernel schedules on this machine and writes the tuning database that
// `gpt2c compile --tuning-db FILE` (gpt2-select-schedules) reads. The model goes
// through the compile pipeline and the analytic schedule selection; each distinct
// kernel of the chosen phases (one per tuning key, passes/.../ScheduleKeys.h) gets
// a handful of candidates around its analytic schedule, which gpt2c-halide-gen
// times JIT-compiled (`tune` mode). A fused_linear's weight layout is never varied:
// it decides how the weights are packed, which every phase shares.
#include "Commands.h"

// The generator's location and process runner, private to the x86 compiler.
#include "gpt2c/codegen/Toolchain.h"
#include "gpt2c/codegen/KernelPlan.h"
#include "gpt2c/importer/Importer.h"
#include "gpt2c/passes/Passes.h"
#include "gpt2c/passes/ScheduleKeys.h"
#include "gpt2c/support/Error.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

namespace gpt2c::driver {

llvm::cl::SubCommand tuneCommand("tune", "Measure kernel schedules and write a tuning database");

namespace {
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json; // the database, fields in a readable order
using llvm::cl::desc;
using llvm::cl::init;
using llvm::cl::sub;
using llvm::cl::value_desc;
namespace fs = std::filesystem;

llvm::cl::opt<std::string> model(llvm::cl::Positional, llvm::cl::Required,
                                 desc("<HF directory | synthetic:CONFIG[:SEED]>"),
                                 sub(tuneCommand));
llvm::cl::opt<std::string> target("target", desc("Code generation target: x86-avx512"),
                                  init("x86-avx512"), sub(tuneCommand));
llvm::cl::opt<std::string> output("o", desc("Tuning database to write"), init("tuning.json"),
                                  value_desc("FILE.json"), sub(tuneCommand));
llvm::cl::opt<std::string> phases("phases", desc("Phases to tune: decode, prefill, score"),
                                  init("decode,prefill"), sub(tuneCommand));
llvm::cl::opt<int64_t> prefillRows("prefill-rows", desc("Rows of the prefill and score products"),
                                   init(128), sub(tuneCommand));
llvm::cl::opt<double> budget("budget", desc("Seconds of timed runs, over all candidates"),
                             init(60.0), sub(tuneCommand));
llvm::cl::opt<std::string> weights("weights",
                                   desc("Weight storage: f32 (default), bf16, f16, int8"),
                                   init("f32"), sub(tuneCommand));
llvm::cl::opt<int64_t> groupSize("group-size", desc("int8 values per scale (0: per channel)"),
                                 init(0), sub(tuneCommand));
llvm::cl::opt<int64_t> maxCandidates("max-candidates",
                                     desc("Candidates per kernel, the analytic one included"),
                                     init(8), sub(tuneCommand));
llvm::cl::opt<int64_t> threads("threads", desc("Threads the kernels are split for and run on"),
                               init(2), sub(tuneCommand));
llvm::cl::opt<std::string> halideTarget("halide-target", desc("Halide target string (advanced)"),
                                        sub(tuneCommand));
llvm::cl::opt<bool> keep("keep-intermediates",
                         desc("Keep the generator's spec and timings in FILE.json.work"),
                         sub(tuneCommand));

// A candidate replaces the analytic schedule only when this much faster: closer
// timings are within the noise of a shared machine.
constexpr double kMinSpeedup = 1.03;

// One kernel to tune: the first op of a phase with its key.
struct TuneKernel {
  std::string key, kind;
  Json params;   // the generator spec entry without name and schedule
  Json analytic; // the schedule gpt2-select-schedules chose
  int64_t rows = 1, past = 0;
  std::vector<Json> candidates;
};

int64_t roundUp(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// `schedule` with the fields of `changes` set.
Json with(Json schedule, const Json &changes) {
  schedule.update(changes);
  return schedule;
}

// Mirrors the generator's checks of a product schedule (Linear.cpp), so that
// candidates are valid by construction.
bool validProduct(const Json &s, int64_t k, int64_t n, bool nk, int64_t groupSize) {
  bool gemm = s.value("strategy", "gemv") == "gemm";
  int64_t lanes = s.value("vector", 16), tileM = s.value("tile_m", gemm ? 6 : 1);
  int64_t tileN = s.value("tile_n", 0), perTask = s.value("n_per_task", 0),
          unroll = s.value("unroll", 1);
  bool vectorOverN = gemm || !nk;
  if (tileN < 1 || tileN > n || (vectorOverN ? tileN % lanes != 0 : tileN > 32))
    return false;
  if (tileM < 1 || tileM > 32 || (gemm && tileM * (tileN / lanes) > 28))
    return false;
  if (perTask < tileN || perTask % tileN != 0 || perTask > n)
    return false;
  int64_t reduced = gemm ? k : (groupSize > 0 ? groupSize : k);
  if (!gemm && nk) {
    if (reduced % lanes != 0)
      return false;
    reduced /= lanes;
  }
  return unroll >= 1 && unroll <= 64 && reduced % unroll == 0 && s.value("prefetch", 0) <= 1024;
}

std::vector<Json> productCandidates(const TuneKernel &kernel) {
  const Json &a = kernel.analytic;
  bool lmHead = kernel.kind == "lm_head";
  int64_t k = kernel.params.at(lmHead ? "embd" : "k"), n = kernel.params.at(lmHead ? "vocab" : "n");
  bool nk = lmHead || kernel.params.value("layout", "kn") == "nk";
  int64_t lanes = a.value("vector", 16), tileN = a.value("tile_n", 4 * lanes),
          perTask = a.value("n_per_task", tileN);
  // Column tiles of `tile` outputs, tasks of about `columns`.
  auto tiles = [&](int64_t tile, int64_t columns) {
    return Json{{"tile_n", tile}, {"n_per_task", roundUp(std::max(columns, tile), tile)}};
  };
  std::vector<Json> list;
  if (a.value("strategy", "gemv") == "gemm") {
    // Register tiles of at most 28 accumulators, panels of one to four tiles.
    list = {with(a, {{"n_per_task", 4 * tileN}}),
            with(a, {{"n_per_task", tileN}}),
            with(a, {{"tile_m", 8}, {"tile_n", 3 * lanes}, {"n_per_task", 6 * lanes}}),
            with(a, {{"tile_m", 12}, {"tile_n", 2 * lanes}, {"n_per_task", 8 * lanes}}),
            with(a, {{"tile_m", 4}}),
            with(a, {{"unroll", 1}}),
            with(a, {{"unroll", 4}}),
            with(a, {{"tile_m", 14}, {"tile_n", 2 * lanes}, {"n_per_task", 8 * lanes}})};
  } else if (!nk) {
    // Matrix-vector over [K][N] rows: wider or narrower column tiles and tasks,
    // more or fewer k rows per pass.
    list = {with(a, tiles(tileN, 2 * perTask)), with(a, tiles(tileN, perTask / 2)),
            with(a, tiles(2 * tileN, perTask)), with(a, {{"unroll", 8}}),
            with(a, {{"unroll", 1}}),           with(a, tiles(tileN / 2, perTask)),
            with(a, {{"parallel", false}}),     with(a, tiles(tileN, 4 * perTask))};
  } else {
    // Matrix-vector over [N][K] rows: more or fewer dot products at once.
    list = {with(a, tiles(2 * tileN, perTask)), with(a, tiles(tileN, 2 * perTask)),
            with(a, tiles(tileN, perTask / 2)), with(a, {{"unroll", 2}}),
            with(a, tiles(tileN / 2, perTask)), with(a, {{"prefetch", tileN * k / lanes}}),
            with(a, {{"unroll", 4}}),           with(a, {{"parallel", false}})};
  }
  int64_t group = kernel.params.value("group_size", 0);
  std::erase_if(list, [&](const Json &s) { return !validProduct(s, k, n, nk, group); });
  return list;
}

std::vector<Json> otherCandidates(const TuneKernel &kernel) {
  const Json &a = kernel.analytic;
  std::vector<Json> list;
  if (kernel.kind == "attention") {
    int64_t block = a.value("key_block", 16);
    if (a.value("tile_t", 1) == 1) {
      for (int64_t keys : {block / 2, block * 2, block / 4, block * 4})
        list.push_back(with(a, {{"key_block", keys}}));
    } else {
      int64_t tile = a.value("tile_t", 1);
      list = {with(a, {{"tile_t", tile * 2}}), with(a, {{"tile_t", tile / 2}}),
              with(a, {{"key_block", block * 2}}), with(a, {{"key_block", block / 2}}),
              with(a, {{"tile_t", tile * 2}, {"key_block", block * 2}})};
    }
    std::erase_if(list, [](const Json &s) {
      int64_t keys = s.value("key_block", 16), tile = s.value("tile_t", 1);
      return keys < 1 || keys > 1024 || tile < 1 || tile > 16;
    });
  } else if (kernel.rows > 1) {
    // embed, layer_norm, qkv_scatter: rows per task (nothing to choose for one row).
    int64_t perTask = a.value("rows_per_task", 1);
    for (int64_t rows : {perTask / 2, perTask * 2, perTask / 4, perTask * 4})
      if (rows >= 1 && rows <= kernel.rows)
        list.push_back(with(a, {{"rows_per_task", rows}}));
    list.push_back(with(a, {{"parallel", false}}));
  }
  return list;
}

// The analytic schedule first, then distinct variants, at most maxCandidates.
std::vector<Json> candidatesFor(const TuneKernel &kernel) {
  std::vector<Json> variants = kernel.kind == "fused_linear" || kernel.kind == "lm_head"
                                   ? productCandidates(kernel)
                                   : otherCandidates(kernel);
  std::vector<Json> result{kernel.analytic};
  std::set<std::string> seen{kernel.analytic.dump()};
  for (const Json &variant : variants)
    if (int64_t(result.size()) < maxCandidates && seen.insert(variant.dump()).second)
      result.push_back(variant);
  return result;
}

// Run-time sizes of a kernel's measurement: one row for one-row ops, else the
// prefill rows; decode reads half the context (the average of a full generation),
// the pruned last layer of prefill attends over the whole prompt.
void chooseSizes(TuneKernel &kernel, mlir::Operation *op, bool decode) {
  bool oneRow = computesOneRow(op);
  kernel.rows = oneRow ? 1 : prefillRows;
  if (kernel.kind == "attention" && oneRow)
    kernel.past = decode ? kernel.params.at("capacity").get<int64_t>() / 2 : prefillRows - 1;
  if (kernel.kind == "embed" && decode)
    kernel.past = kernel.params.at("positions").get<int64_t>() / 2;
}

std::vector<std::string> parsePhases() {
  std::vector<std::string> result;
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(phases).split(parts, ',');
  for (llvm::StringRef part : parts) {
    std::string phase = part.trim().str();
    if (phase != "decode" && phase != "prefill" && phase != "score")
      fail("--phases: unknown phase '{}' (available: decode, prefill, score)", phase);
    if (std::find(result.begin(), result.end(), phase) != result.end())
      fail("--phases: '{}' given twice", phase);
    result.push_back(phase);
  }
  return result;
}

void validateOptions() {
  if (target != "x86-avx512")
    fail("--target: unsupported '{}' (available: x86-avx512)", target.getValue());
  if (weights != "f32" && weights != "bf16" && weights != "f16" && weights != "int8")
    fail("--weights: unsupported '{}' (use f32, bf16, f16 or int8)", weights.getValue());
  if (prefillRows < 1)
    fail("--prefill-rows must be at least 1, got {}", prefillRows.getValue());
  if (!(budget > 0))
    fail("--budget must be positive, got {}", budget.getValue());
  if (maxCandidates < 1)
    fail("--max-candidates must be at least 1, got {}", maxCandidates.getValue());
  if (threads < 1)
    fail("--threads must be at least 1, got {}", threads.getValue());
}

// The module after the compile pipeline and the analytic schedule selection.
mlir::OwningOpRef<mlir::ModuleOp> scheduledModule(mlir::MLIRContext &context,
                                                  const WeightStore &store, bool score) {
  std::string firstError;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &diagnostic) {
    if (firstError.empty() && diagnostic.getSeverity() == mlir::DiagnosticSeverity::Error)
      firstError = diagnostic.str();
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(context, store);
  mlir::PassManager pm(&context);
  buildPipeline(pm, PipelineOptions{weights, groupSize, "", score});
  SelectSchedulesOptions schedules;
  schedules.threads = threads;
  schedules.prefillRows = prefillRows;
  pm.addPass(createSelectSchedules(schedules));
  if (mlir::failed(pm.run(*module)))
    fail("tune: the gpt2c pipeline: {}", firstError.empty() ? "failed" : firstError);
  return module;
}

std::vector<TuneKernel> collectKernels(mlir::ModuleOp module,
                                       const std::vector<std::string> &wanted) {
  mlir::FailureOr<x86::KernelPlan> plan = x86::KernelPlan::build(module);
  if (mlir::failed(plan))
    fail("tune: kernel planning failed");
  std::vector<TuneKernel> kernels;
  std::set<std::string> keys;
  for (const std::string &phase : wanted)
    for (auto function : module.getOps<mlir::func::FuncOp>()) {
      // @score's ops are keyed as prefill's (its "gpt2.phase"), many rows each.
      if (function.getSymName() != phase)
        continue;
      for (mlir::Operation &op : function.getBody().front()) {
        std::string key = scheduleKey(&op);
        const x86::KernelInfo *info = plan->kernelFor(&op);
        if (key.empty() || !info || !keys.insert(key).second)
          continue;
        TuneKernel kernel;
        kernel.key = key;
        kernel.kind = info->kind;
        kernel.params = info->spec;
        kernel.analytic = kernel.params.at("schedule");
        kernel.params.erase("schedule");
        kernel.params.erase("name");
        chooseSizes(kernel, &op, phase == "decode");
        kernel.candidates = candidatesFor(kernel);
        kernels.push_back(std::move(kernel));
      }
    }
  return kernels;
}

Json readJson(const fs::path &path) {
  std::ifstream file(path);
  Json value = Json::parse(file, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.contains("kernels"))
    fail("{}: unreadable tuning results", path.string());
  return value;
}

template <typename JsonType> void writeJson(const fs::path &path, const JsonType &value) {
  std::ofstream file(path);
  file << value.dump(2) << "\n";
  if (!file.flush())
    fail("{}: write failed", path.string());
}

// What differs between two schedules, e.g. "tile_n 64->128".
std::string scheduleChanges(const Json &from, const Json &to) {
  std::string text;
  for (auto &[field, value] : to.items())
    if (!from.contains(field) || from[field] != value)
      text += (text.empty() ? "" : ", ") + field + " " +
              (from.contains(field) ? from[field].dump() : "default") + "->" + value.dump();
  return text;
}

// The database entry of a kernel from the generator's timings of its candidates.
OrderedJson databaseEntry(const TuneKernel &kernel, const Json &timings) {
  const Json &candidates = timings.at("candidates");
  double analytic = candidates.at(0).at("seconds");
  std::size_t best = timings.at("best");
  double fastest = candidates.at(best).at("seconds");
  if (analytic < fastest * kMinSpeedup)
    best = 0, fastest = analytic;
  OrderedJson measured = OrderedJson::array();
  for (const Json &candidate : candidates) {
    OrderedJson item = {{"schedule", OrderedJson(candidate.at("schedule"))}};
    for (const char *field : {"seconds", "error"})
      if (candidate.contains(field))
        item[field] = OrderedJson(candidate[field]);
    measured.push_back(item);
  }
  return {{"target", target.getValue()},
          {"key", kernel.key},
          {"schedule", OrderedJson(candidates.at(best).at("schedule"))},
          {"seconds", fastest},
          {"analytic_seconds", analytic},
          {"speedup", analytic / fastest},
          {"rows", kernel.rows},
          {"past", kernel.past},
          {"candidates", measured}};
}

// Removes the output file this command created unless the command completes.
struct OutputGuard {
  fs::path path;
  bool existed;
  bool done = false;
  ~OutputGuard() {
    std::error_code ignored;
    if (!done && !existed)
      fs::remove(path, ignored);
  }
};

} // namespace

int runTune() {
  validateOptions();
  std::vector<std::string> wanted = parsePhases();
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<WeightStore> store = openModel(model);
  if (prefillRows > store->config().nPositions)
    fail("--prefill-rows {} exceeds the context size {}", prefillRows.getValue(),
         store->config().nPositions);
  // Fail on an unwritable output before the long measurements (appending keeps
  // an existing database until the new one replaces it).
  fs::path databasePath(output.getValue());
  OutputGuard guard{databasePath, fs::exists(databasePath)};
  if (!std::ofstream(databasePath, std::ios::app))
    fail("{}: cannot write", databasePath.string());

  mlir::MLIRContext context;
  context.loadDialect<mlir::LLVM::LLVMDialect>();
  bool score = std::find(wanted.begin(), wanted.end(), "score") != wanted.end();
  mlir::OwningOpRef<mlir::ModuleOp> module = scheduledModule(context, *store, score);
  std::vector<TuneKernel> kernels = collectKernels(*module, wanted);

  Json spec = {{"kernels", Json::array()}};
  std::size_t candidateCount = 0;
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    Json entry = kernels[i].params;
    entry["name"] = "t" + std::to_string(i) + "_" + kernels[i].kind;
    entry["rows"] = kernels[i].rows;
    entry["past"] = kernels[i].past;
    entry["candidates"] = kernels[i].candidates;
    spec["kernels"].push_back(entry);
    candidateCount += kernels[i].candidates.size();
  }
  fs::path work = databasePath.string() + ".work";
  fs::remove_all(work);
  fs::create_directories(work);
  writeJson(work / "tune-spec.json", spec);
  double perCandidate = std::max(0.001, budget / double(std::max<std::size_t>(candidateCount, 1)));
  x86::runTool(x86::halideGenerator(),
               {"tune", "--spec", (work / "tune-spec.json").string(), "--output",
                (work / "timings.json").string(), "--target",
                x86::halideTargetFor(spec, halideTarget.getValue()),
                "--seconds-per-candidate", fmt::format("{}", perCandidate), "--threads",
                std::to_string(threads)});
  Json timings = readJson(work / "timings.json");
  if (timings["kernels"].size() != kernels.size())
    fail("{}: expected timings of {} kernels", (work / "timings.json").string(), kernels.size());

  OrderedJson entries = OrderedJson::array();
  llvm::raw_ostream &os = llvm::outs();
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    OrderedJson entry = databaseEntry(kernels[i], timings["kernels"][i]);
    os << llvm::format("  %-52s %9.1f us -> %9.1f us (%.2fx)", kernels[i].key.c_str(),
                       entry["analytic_seconds"].get<double>() * 1e6,
                       entry["seconds"].get<double>() * 1e6, entry["speedup"].get<double>());
    std::string changes = scheduleChanges(kernels[i].analytic, Json(entry["schedule"]));
    os << (changes.empty() ? "  analytic" : "  " + changes) << "\n";
    entries.push_back(std::move(entry));
  }
  OrderedJson database = {{"generated_by", "gpt2c tune"},
                          {"model", model.getValue()},
                          {"weights", weights.getValue()},
                          {"phases", wanted},
                          {"prefill_rows", prefillRows.getValue()},
                          {"threads", threads.getValue()},
                          {"halide_target", OrderedJson(timings["target"])},
                          {"entries", entries}};
  writeJson(databasePath, database);
  guard.done = true;
  if (!keep)
    fs::remove_all(work);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  os << "tuned " << kernels.size() << " kernels (" << candidateCount << " candidates) of " << model
     << " in " << llvm::format("%.1f", seconds) << " s; wrote " << output << "\n";
  return 0;
}

} // namespace gpt2c::driver
