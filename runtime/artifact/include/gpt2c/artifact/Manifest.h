#pragma once
// manifest.json of a compiled artifact: a directory NAME.gpt2c holding the phase
// libraries, the packed weights and (optionally) the tokenizer. The manifest says
// what each file is and how the runtime calls it; docs in runtime/artifact/README.md.
#include "gpt2c/checkpoint/ModelConfig.h"
#include "gpt2c/checkpoint/WeightPacking.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c::artifact {

inline constexpr std::string_view kFormatName = "gpt2c-artifact";
inline constexpr std::int64_t kFormatVersion = 1;
inline constexpr std::string_view kManifestFile = "manifest.json";
inline constexpr std::string_view kWeightsFile = "weights.bin";
// The launch plan of a GPU artifact (runtime/artifact/LAUNCH_PLAN.md).
inline constexpr std::string_view kLaunchPlanFile = "launch_plan.json";
inline constexpr std::uint64_t kWeightAlignment = 64;
inline constexpr std::int64_t kMaxBatch = 1 << 16;
// The phases a runtime knows. prefill and decode are required, score is optional.
inline constexpr std::string_view kPhaseNames[] = {"prefill", "decode", "score"};

enum class LogitsRows { Last, All };

struct Target {
  // "x86-avx512": the CPU executor runs "x86-*"; "sm_90": the GPU executor runs "sm_*".
  std::string name;
  std::vector<std::string> cpuFeatures; // as __builtin_cpu_supports names them; none for GPUs

  bool isX86() const { return name.starts_with("x86-"); }
  // An NVIDIA GPU target: PTX modules run through a launch plan.
  bool isGpu() const { return name.starts_with("sm_"); }
  bool operator==(const Target &) const = default;
};

// What an NVIDIA target "sm_NN" or "sm_NNa" needs of the GPU: compute capability
// N.N or newer, or exactly N.N for the architecture-specific "a" targets (their
// instructions, such as Hopper's wgmma, exist on that architecture only).
struct GpuArchitecture {
  int major = 0, minor = 0;
  bool architectureSpecific = false;
  // Whether a GPU of compute capability major.minor runs this target's PTX.
  bool runsOn(int gpuMajor, int gpuMinor) const;
};
// The architecture of "sm_90", "sm_90a", "sm_120"; nullopt for other names.
std::optional<GpuArchitecture> parseGpuTarget(std::string_view name);

struct Phase {
  std::string library; // a file of the artifact, in `files`: a .so, or a .ptx for GPU targets
  std::string entry;   // the gpt2c_run_<phase> symbol, or the phase's name in the launch plan
  LogitsRows logits = LogitsRows::Last;
  bool operator==(const Phase &) const = default;
};

// The caches the runtime allocates, per layer [batch][heads][capacity][headDim].
struct KvCache {
  std::int64_t layers = 0, heads = 0, capacity = 0, headDim = 0;
  std::string dtype = "f32";
  bool operator==(const KvCache &) const = default;
};

// A file copied into the artifact (a library, a tokenizer file).
struct FileRecord {
  std::uint64_t bytes = 0;
  std::string sha256;
  bool operator==(const FileRecord &) const = default;
};

struct WeightSlot {
  PackingRecipe recipe;
  std::uint64_t offset = 0; // from the start of the packed image, a multiple of alignment
  std::uint64_t bytes = 0;
  bool operator==(const WeightSlot &) const = default;
};

struct Weights {
  // Exactly one: the packed image in a file of the artifact, or the checkpoint it
  // is packed from at load time ("synthetic:gpt2:1", an absolute HF directory).
  std::optional<std::string> file;
  std::optional<std::string> externalSource;
  std::uint64_t alignment = kWeightAlignment;
  std::uint64_t bytes = 0; // the packed image: the file's size
  std::string sha256;      // of the packed image
  std::vector<WeightSlot> slots;
  bool operator==(const Weights &) const = default;
};

struct TokenizerFiles {
  std::string vocab = "vocab.json"; // files of the artifact, in `files`
  std::string merges = "merges.txt";
  bool operator==(const TokenizerFiles &) const = default;
};

struct Manifest {
  std::int64_t formatVersion = kFormatVersion;
  ModelConfig model;
  std::string modelSource; // where the weights came from, for humans and describe()
  Target target;
  std::int64_t maxBatch = 1;  // sequences per step
  std::int64_t maxTokens = 0; // tokens per sequence in one prefill or score step
  std::map<std::string, Phase> phases;
  // GPU targets only: the file of `files` holding the launch plan.
  std::optional<std::string> launchPlan;
  std::uint64_t scratchBytes = 0;
  KvCache kvCache;
  Weights weights;
  std::optional<TokenizerFiles> tokenizer;
  std::map<std::string, FileRecord> files; // every file but manifest.json and the weights

  const Phase *findPhase(std::string_view name) const;

  // The manifest's JSON text (keys in a fixed order, two-space indentation).
  std::string toJson() const;
  // Parses and validates the text: every field present with its type and range,
  // no unknown field, file names plain, phases, caches and slots consistent with
  // the model, slots aligned, in order, non-overlapping and inside the image.
  // Throws gpt2c::Error "WHERE: FIELD: problem".
  static Manifest parse(std::string_view json, std::string_view where);
  // The checks of parse() on a manifest built in memory (the writer's self-check).
  void validate(std::string_view where) const;
  bool operator==(const Manifest &) const = default;
};

std::string_view logitsRowsName(LogitsRows rows); // "last" | "all"

} // namespace gpt2c::artifact
