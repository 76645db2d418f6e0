// manifest.json text <-> Manifest. parse() reads every field strictly (JsonFields)
// and leaves the checks that relate fields to each other to Manifest::validate.
#include "gpt2c/artifact/Manifest.h"

#include "JsonFields.h"

#include "gpt2c/support/Error.h"

#include <limits>

namespace gpt2c::artifact {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::uint64_t kMaxBytes = std::uint64_t(1) << 50; // far above any GPT-2
constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();

OrderedJson modelJson(const ModelConfig &config, const std::string &source) {
  return {{"n_layer", config.nLayer},
          {"n_embd", config.nEmbd},
          {"n_head", config.nHead},
          {"n_positions", config.nPositions},
          {"vocab_size", config.vocabSize},
          {"n_inner", config.nInner},
          {"layer_norm_epsilon", config.layerNormEpsilon},
          {"tie_word_embeddings", config.tieWordEmbeddings},
          {"source", source}};
}

OrderedJson slotJson(const WeightSlot &slot) {
  const PackingRecipe &recipe = slot.recipe;
  return {{"tensor", recipe.tensor},
          {"kind", packedKindName(recipe.kind)},
          {"dtype", packedDTypeName(recipe.dtype)},
          {"layout", packedLayoutName(recipe.layout)},
          {"group_size", recipe.groupSize},
          {"int8_axis", recipe.int8Axis},
          {"offset", slot.offset},
          {"bytes", slot.bytes}};
}

OrderedJson weightsJson(const Weights &weights) {
  OrderedJson json = OrderedJson::object();
  if (weights.file)
    json["file"] = *weights.file;
  if (weights.externalSource)
    json["external"] = {{"source", *weights.externalSource}};
  json["alignment"] = weights.alignment;
  json["bytes"] = weights.bytes;
  json["sha256"] = weights.sha256;
  OrderedJson slots = OrderedJson::array();
  for (const WeightSlot &slot : weights.slots)
    slots.push_back(slotJson(slot));
  json["slots"] = std::move(slots);
  return json;
}

// The enum behind a name, or an error listing the names allowed.
template <typename Enum>
Enum parseEnum(JsonFields &fields, std::string_view key,
               std::optional<Enum> (*parse)(std::string_view), std::string_view allowed) {
  std::string name = fields.string(key);
  if (std::optional<Enum> value = parse(name))
    return *value;
  fields.fail(key, fmt::format("'{}' is not one of {}", name, allowed));
}

std::optional<LogitsRows> parseLogitsRows(std::string_view name) {
  if (name == "last")
    return LogitsRows::Last;
  if (name == "all")
    return LogitsRows::All;
  return std::nullopt;
}

ModelConfig parseModel(JsonFields fields, std::string &source) {
  ModelConfig config;
  config.nLayer = fields.integer("n_layer", 1, kMaxInt);
  config.nEmbd = fields.integer("n_embd", 1, kMaxInt);
  config.nHead = fields.integer("n_head", 1, kMaxInt);
  config.nPositions = fields.integer("n_positions", 1, kMaxInt);
  config.vocabSize = fields.integer("vocab_size", 1, kMaxInt);
  config.nInner = fields.integer("n_inner", 1, kMaxInt);
  config.layerNormEpsilon = fields.number("layer_norm_epsilon");
  config.tieWordEmbeddings = fields.boolean("tie_word_embeddings");
  source = fields.string("source");
  fields.finish();
  return config;
}

WeightSlot parseSlot(JsonFields fields) {
  WeightSlot slot;
  PackingRecipe &recipe = slot.recipe;
  recipe.tensor = fields.string("tensor");
  recipe.kind = parseEnum(fields, "kind", parsePackedKind, "values, int8_scales");
  recipe.dtype = parseEnum(fields, "dtype", parsePackedDType, "f32, bf16, f16, int8");
  recipe.layout = parseEnum(fields, "layout", parsePackedLayout, "row, kn, nk");
  recipe.groupSize = fields.integer("group_size", 0, kMaxInt);
  recipe.int8Axis = fields.integer("int8_axis", 0, 1);
  slot.offset = fields.unsignedInteger("offset", kMaxBytes);
  slot.bytes = fields.unsignedInteger("bytes", kMaxBytes);
  fields.finish();
  return slot;
}

Weights parseWeights(JsonFields fields) {
  Weights weights;
  if (fields.has("file"))
    weights.file = fields.string("file");
  if (fields.has("external")) {
    JsonFields external = fields.object("external");
    weights.externalSource = external.string("source");
    external.finish();
  }
  weights.alignment = fields.unsignedInteger("alignment", kMaxBytes);
  weights.bytes = fields.unsignedInteger("bytes", kMaxBytes);
  weights.sha256 = fields.string("sha256");
  for (JsonFields &slot : fields.objectArray("slots"))
    weights.slots.push_back(parseSlot(std::move(slot)));
  fields.finish();
  return weights;
}

} // namespace

std::string_view logitsRowsName(LogitsRows rows) {
  return rows == LogitsRows::All ? "all" : "last";
}

const Phase *Manifest::findPhase(std::string_view name) const {
  auto found = phases.find(std::string(name));
  return found == phases.end() ? nullptr : &found->second;
}

std::string Manifest::toJson() const {
  OrderedJson json;
  json["format"] = kFormatName;
  json["format_version"] = formatVersion;
  json["model"] = modelJson(model, modelSource);
  json["target"] = {{"name", target.name}, {"cpu_features", target.cpuFeatures}};
  json["max_batch"] = maxBatch;
  json["max_tokens"] = maxTokens;
  OrderedJson phaseObjects = OrderedJson::object();
  for (const auto &[name, phase] : phases)
    phaseObjects[name] = {{"library", phase.library},
                          {"entry", phase.entry},
                          {"logits", logitsRowsName(phase.logits)}};
  json["phases"] = std::move(phaseObjects);
  if (launchPlan)
    json["launch_plan"] = *launchPlan;
  json["scratch_bytes"] = scratchBytes;
  json["kv_cache"] = {{"layers", kvCache.layers},
                      {"heads", kvCache.heads},
                      {"capacity", kvCache.capacity},
                      {"head_dim", kvCache.headDim},
                      {"dtype", kvCache.dtype}};
  json["weights"] = weightsJson(weights);
  if (tokenizer)
    json["tokenizer"] = {{"vocab", tokenizer->vocab}, {"merges", tokenizer->merges}};
  OrderedJson fileObjects = OrderedJson::object();
  for (const auto &[name, record] : files)
    fileObjects[name] = {{"bytes", record.bytes}, {"sha256", record.sha256}};
  json["files"] = std::move(fileObjects);
  return json.dump(2) + "\n";
}

Manifest Manifest::parse(std::string_view text, std::string_view where) {
  nlohmann::json json = parseJsonDocument(text, where);
  JsonFields root(json, std::string(where), "");
  Manifest manifest;
  manifest.formatVersion = checkFormat(root, kFormatName, 1, kFormatVersion, where);

  manifest.model = parseModel(root.object("model"), manifest.modelSource);
  JsonFields target = root.object("target");
  manifest.target.name = target.string("name");
  manifest.target.cpuFeatures = target.stringArray("cpu_features");
  target.finish();
  manifest.maxBatch = root.integer("max_batch", 1, kMaxInt);
  manifest.maxTokens = root.integer("max_tokens", 1, kMaxInt);

  JsonFields phases = root.object("phases");
  for (const std::string &name : phases.keys()) {
    JsonFields fields = phases.object(name);
    Phase phase;
    phase.library = fields.string("library");
    phase.entry = fields.string("entry");
    phase.logits = parseEnum(fields, "logits", parseLogitsRows, "last, all");
    fields.finish();
    manifest.phases.emplace(name, std::move(phase));
  }
  if (root.has("launch_plan"))
    manifest.launchPlan = root.string("launch_plan");
  manifest.scratchBytes = root.unsignedInteger("scratch_bytes", kMaxBytes);

  JsonFields cache = root.object("kv_cache");
  manifest.kvCache.layers = cache.integer("layers", 1, kMaxInt);
  manifest.kvCache.heads = cache.integer("heads", 1, kMaxInt);
  manifest.kvCache.capacity = cache.integer("capacity", 1, kMaxInt);
  manifest.kvCache.headDim = cache.integer("head_dim", 1, kMaxInt);
  manifest.kvCache.dtype = cache.string("dtype");
  cache.finish();

  manifest.weights = parseWeights(root.object("weights"));
  if (root.has("tokenizer")) {
    JsonFields tokenizer = root.object("tokenizer");
    manifest.tokenizer = TokenizerFiles{tokenizer.string("vocab"), tokenizer.string("merges")};
    tokenizer.finish();
  }
  JsonFields files = root.object("files");
  for (const std::string &name : files.keys()) {
    JsonFields fields = files.object(name);
    FileRecord record;
    record.bytes = fields.unsignedInteger("bytes", kMaxBytes);
    record.sha256 = fields.string("sha256");
    fields.finish();
    manifest.files.emplace(name, std::move(record));
  }
  root.finish();
  manifest.validate(where);
  return manifest;
}

} // namespace gpt2c::artifact
