// launch_plan.json text <-> LaunchPlan. parse() reads every field strictly
// (JsonFields: types, names, no unknown field) and leaves every range that depends
// on the manifest to LaunchPlan::validate, so that a plan built in memory and a
// plan read from text get the same messages.
#include "gpt2c/artifact/LaunchPlan.h"

#include "JsonFields.h"

#include "gpt2c/support/Error.h"

#include <algorithm>
#include <limits>

namespace gpt2c::artifact {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::uint64_t kMaxBytes = std::uint64_t(1) << 50;
constexpr std::int64_t kMinInt = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();

template <typename Enum, std::size_t N>
Enum parseName(JsonFields &fields, std::string_view key, const Enum (&values)[N],
               std::string_view (*nameOf)(Enum)) {
  std::string name = fields.string(key);
  std::string allowed;
  for (Enum value : values) {
    if (nameOf(value) == name)
      return value;
    allowed += fmt::format("{}{}", allowed.empty() ? "" : ", ", nameOf(value));
  }
  fields.fail(key, fmt::format("'{}' is not one of {}", name, allowed));
}

constexpr GridPer kGridPers[] = {GridPer::One, GridPer::Batch, GridPer::Tokens, GridPer::Rows};
constexpr ArgKind kArgKinds[] = {ArgKind::Params, ArgKind::Ids,    ArgKind::Weight,
                                 ArgKind::Scratch, ArgKind::Cache, ArgKind::Logits,
                                 ArgKind::Counters};
constexpr CacheWhich kCacheWhiches[] = {CacheWhich::Key, CacheWhich::Value};

KernelArg parseArg(JsonFields fields) {
  KernelArg arg;
  arg.kind = parseName(fields, "kind", kArgKinds, argKindName);
  switch (arg.kind) {
  case ArgKind::Weight:
    arg.slot = fields.integer("slot", kMinInt, kMaxInt);
    break;
  case ArgKind::Scratch:
  case ArgKind::Counters:
    arg.offset = fields.unsignedInteger("offset", kMaxBytes);
    break;
  case ArgKind::Cache:
    arg.layer = fields.integer("layer", kMinInt, kMaxInt);
    arg.which = parseName(fields, "which", kCacheWhiches, cacheWhichName);
    break;
  default:
    break; // params, ids and logits take nothing more
  }
  fields.finish();
  return arg;
}

Launch parseLaunch(JsonFields fields) {
  Launch launch;
  launch.kernel = fields.string("kernel");
  std::vector<JsonFields> grid = fields.objectArray("grid");
  if (grid.size() != 3)
    fields.fail("grid", fmt::format("{} dimensions, expected 3", grid.size()));
  for (std::size_t d = 0; d < 3; ++d) {
    JsonFields &dim = grid[d];
    launch.grid[d].per = parseName(dim, "per", kGridPers, gridPerName);
    launch.grid[d].times = dim.integer("times", kMinInt, kMaxInt);
    launch.grid[d].divide = dim.integer("divide", kMinInt, kMaxInt);
    dim.finish();
  }
  std::vector<std::int64_t> block = fields.integerArray("block");
  if (block.size() != 3)
    fields.fail("block", fmt::format("{} dimensions, expected 3", block.size()));
  std::copy(block.begin(), block.end(), launch.block.begin());
  launch.sharedBytes = fields.unsignedInteger("shared_bytes", kMaxBytes);
  for (JsonFields &arg : fields.objectArray("args"))
    launch.args.push_back(parseArg(std::move(arg)));
  fields.finish();
  return launch;
}

OrderedJson argJson(const KernelArg &arg) {
  OrderedJson json{{"kind", argKindName(arg.kind)}};
  if (arg.kind == ArgKind::Weight)
    json["slot"] = arg.slot;
  if (arg.kind == ArgKind::Scratch || arg.kind == ArgKind::Counters)
    json["offset"] = arg.offset;
  if (arg.kind == ArgKind::Cache) {
    json["layer"] = arg.layer;
    json["which"] = cacheWhichName(arg.which);
  }
  return json;
}

OrderedJson launchJson(const Launch &launch) {
  OrderedJson grid = OrderedJson::array();
  for (const GridDim &dim : launch.grid)
    grid.push_back({{"per", gridPerName(dim.per)}, {"times", dim.times}, {"divide", dim.divide}});
  OrderedJson args = OrderedJson::array();
  for (const KernelArg &arg : launch.args)
    args.push_back(argJson(arg));
  return {{"kernel", launch.kernel},
          {"grid", std::move(grid)},
          {"block", launch.block},
          {"shared_bytes", launch.sharedBytes},
          {"args", std::move(args)}};
}

} // namespace

std::string_view gridPerName(GridPer per) {
  switch (per) {
  case GridPer::One:
    return "one";
  case GridPer::Batch:
    return "batch";
  case GridPer::Tokens:
    return "tokens";
  case GridPer::Rows:
    return "rows";
  }
  return "?";
}

std::string_view argKindName(ArgKind kind) {
  switch (kind) {
  case ArgKind::Params:
    return "params";
  case ArgKind::Ids:
    return "ids";
  case ArgKind::Weight:
    return "weight";
  case ArgKind::Scratch:
    return "scratch";
  case ArgKind::Cache:
    return "cache";
  case ArgKind::Logits:
    return "logits";
  case ArgKind::Counters:
    return "counters";
  }
  return "?";
}

std::string_view cacheWhichName(CacheWhich which) {
  return which == CacheWhich::Key ? "key" : "value";
}

std::string LaunchPlan::toJson() const {
  OrderedJson json;
  json["format"] = kLaunchPlanFormatName;
  json["format_version"] = formatVersion;
  json["scratch_bytes"] = scratchBytes;
  json["counters_bytes"] = countersBytes;
  OrderedJson phaseObjects = OrderedJson::object();
  for (const auto &[name, phase] : phases) {
    OrderedJson launches = OrderedJson::array();
    for (const Launch &launch : phase.launches)
      launches.push_back(launchJson(launch));
    phaseObjects[name] = {{"module", phase.module},
                          {"dependent_launch", phase.dependentLaunch},
                          {"launches", std::move(launches)}};
  }
  json["phases"] = std::move(phaseObjects);
  return json.dump(2) + "\n";
}

LaunchPlan LaunchPlan::parse(std::string_view text, std::string_view where,
                             const Manifest &manifest) {
  nlohmann::json json = parseJsonDocument(text, where);
  JsonFields root(json, std::string(where), "");
  LaunchPlan plan;
  // Only the current version: version 1 had no `dependent_launch`, version 2 no
  // `counters_bytes`.
  plan.formatVersion = checkFormat(root, kLaunchPlanFormatName, kLaunchPlanFormatVersion,
                                   kLaunchPlanFormatVersion, where);
  plan.scratchBytes = root.unsignedInteger("scratch_bytes", kMaxBytes);
  plan.countersBytes = root.unsignedInteger("counters_bytes", kMaxCountersBytes);
  JsonFields phases = root.object("phases");
  for (const std::string &name : phases.keys()) {
    JsonFields fields = phases.object(name);
    PhasePlan phase;
    phase.module = fields.string("module");
    phase.dependentLaunch = fields.boolean("dependent_launch");
    for (JsonFields &launch : fields.objectArray("launches"))
      phase.launches.push_back(parseLaunch(std::move(launch)));
    fields.finish();
    plan.phases.emplace(name, std::move(phase));
  }
  root.finish();
  plan.validate(where, manifest);
  return plan;
}

} // namespace gpt2c::artifact
