#pragma once
// launch_plan.json of a GPU artifact: for each phase, the kernels of its PTX
// module to launch in order, with their grids, blocks, dynamic shared memory and
// arguments (runtime/artifact/LAUNCH_PLAN.md). The compiler writes it, the GPU
// executor replays it; both sides share this type.
#include "gpt2c/artifact/Manifest.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c::artifact {

inline constexpr std::string_view kLaunchPlanFormatName = "gpt2c-launch-plan";
inline constexpr std::int64_t kLaunchPlanFormatVersion = 3;
// Scratch arguments are offsets into one buffer, each a multiple of this (16: a
// view of an activation may start at a column offset; LAUNCH_PLAN.md).
inline constexpr std::uint64_t kScratchAlignment = 16;
// Counters are uint32 (offsets into the counter buffer are multiples of 4); the
// buffer holds at most this many bytes.
inline constexpr std::uint64_t kCounterBytes = 4;
inline constexpr std::uint64_t kMaxCountersBytes = 1 << 20;
inline constexpr std::int64_t kMaxThreadsPerBlock = 1024;
// The most dynamic shared memory a block may ask for (Hopper: 227 KiB).
inline constexpr std::uint64_t kMaxSharedBytes = 227 * 1024;
// Above this the runtime raises the kernel's dynamic shared memory limit.
inline constexpr std::uint64_t kDefaultSharedBytes = 48 * 1024;

// What a grid dimension counts: ceil(times * value(per) / divide) blocks.
enum class GridPer { One, Batch, Tokens, Rows };

struct GridDim {
  GridPer per = GridPer::One;
  std::int64_t times = 1;
  std::int64_t divide = 1;
  // Blocks along this dimension for a step of `batch` sequences of `tokens` tokens.
  std::int64_t blocks(std::int64_t batch, std::int64_t tokens) const;
  bool operator==(const GridDim &) const = default;
};

enum class ArgKind { Params, Ids, Weight, Scratch, Cache, Logits, Counters };
enum class CacheWhich { Key, Value };

// One kernel parameter: a 64-bit device address.
struct KernelArg {
  ArgKind kind = ArgKind::Params;
  std::int64_t slot = 0;    // Weight: the manifest's weight slot
  std::uint64_t offset = 0; // Scratch, Counters: bytes into that buffer
  std::int64_t layer = 0;   // Cache: the layer
  CacheWhich which = CacheWhich::Key;
  bool operator==(const KernelArg &) const = default;
};

struct Launch {
  std::string kernel; // an .entry of the phase's module
  std::array<GridDim, 3> grid;
  std::array<std::int64_t, 3> block{1, 1, 1};
  std::uint64_t sharedBytes = 0; // dynamic shared memory
  std::vector<KernelArg> args;
  bool operator==(const Launch &) const = default;
};

struct PhasePlan {
  std::string module; // the phase's PTX file: the manifest phase's library
  std::vector<Launch> launches;
  // Every kernel waits for the launches before it (griddepcontrol.wait) before it
  // touches what they write or read, so the runtime may let each launch start
  // while the one before it still runs (programmatic dependent launch).
  bool dependentLaunch = false;
  bool operator==(const PhasePlan &) const = default;
};

struct LaunchPlan {
  std::int64_t formatVersion = kLaunchPlanFormatVersion;
  std::uint64_t scratchBytes = 0; // equal to the manifest's scratch_bytes
  // uint32 counters, zero-filled once when the runtime loads the artifact; every
  // kernel that counts in them leaves them zero when it finishes (e.g. the blocks
  // of a split attention counting themselves done, the last one merging).
  std::uint64_t countersBytes = 0;
  // By the name the manifest's phases give as `entry` (prefill, decode, score).
  std::map<std::string, PhasePlan> phases;

  // The plan of the manifest phase `phaseName` (by its entry); nullptr if none.
  const PhasePlan *findPhase(const Manifest &manifest, std::string_view phaseName) const;

  // The plan's JSON text (fields in the documented order, two-space indentation).
  std::string toJson() const;
  // Parses the text strictly (every field present with its type, no unknown
  // field) and validates it against `manifest`. Throws gpt2c::Error
  // "WHERE: phases.decode.launches[3].args[1].slot: 99 is out of range (0 to 75)".
  static LaunchPlan parse(std::string_view json, std::string_view where,
                          const Manifest &manifest);
  // The checks of parse() on a plan built in memory.
  void validate(std::string_view where, const Manifest &manifest) const;
  bool operator==(const LaunchPlan &) const = default;
};

std::string_view gridPerName(GridPer per);       // one | batch | tokens | rows
std::string_view argKindName(ArgKind kind);      // params | ids | weight | ...
std::string_view cacheWhichName(CacheWhich which); // key | value

} // namespace gpt2c::artifact
