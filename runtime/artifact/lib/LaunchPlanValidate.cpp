// The checks that make a launch plan safe to replay: every phase of the manifest
// has a plan in its module, every argument names a slot, layer, scratch or counter offset
// that exists, and every grid and block is one the CUDA driver can launch.
#include "gpt2c/artifact/LaunchPlan.h"

#include "JsonFields.h"

#include "gpt2c/support/Error.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace gpt2c::artifact {
namespace {

constexpr std::int64_t kMaxGridFactor = (std::int64_t(1) << 31) - 1;

// PTX identifiers as the compiler emits them: letters, digits, '_' and '$', not
// starting with a digit.
bool isPtxEntryName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  });
}

class PlanChecker {
public:
  PlanChecker(std::string_view where, const Manifest &manifest, std::uint64_t countersBytes)
      : where_(where), manifest_(manifest), countersBytes_(countersBytes) {}

  [[noreturn]] void fail(const std::string &path, const std::string &problem) const {
    gpt2c::fail("{}: {}: {}", where_, path, problem);
  }

  void inRange(const std::string &path, std::int64_t value, std::int64_t min,
               std::int64_t max) const {
    if (value < min || value > max)
      fail(path, fmt::format("{} is out of range ({} to {})", value, min, max));
  }

  void checkArg(const std::string &path, const KernelArg &arg) const {
    switch (arg.kind) {
    case ArgKind::Weight:
      inRange(path + ".slot", arg.slot, 0, std::int64_t(manifest_.weights.slots.size()) - 1);
      break;
    case ArgKind::Scratch:
      if (arg.offset % kScratchAlignment != 0)
        fail(path + ".offset",
             fmt::format("{} is not a multiple of {}", arg.offset, kScratchAlignment));
      if (arg.offset >= manifest_.scratchBytes)
        fail(path + ".offset", fmt::format("{} lies outside the scratch buffer ({} bytes)",
                                           arg.offset, manifest_.scratchBytes));
      break;
    case ArgKind::Counters:
      if (arg.offset % kCounterBytes != 0)
        fail(path + ".offset", fmt::format("{} is not a multiple of {}", arg.offset, kCounterBytes));
      if (arg.offset >= countersBytes_)
        fail(path + ".offset", fmt::format("{} lies outside the counters ({} bytes)", arg.offset,
                                           countersBytes_));
      break;
    case ArgKind::Cache:
      inRange(path + ".layer", arg.layer, 0, manifest_.kvCache.layers - 1);
      break;
    default:
      break;
    }
  }

  void checkLaunch(const std::string &path, const Launch &launch) const {
    if (!isPtxEntryName(launch.kernel))
      fail(path + ".kernel", fmt::format("'{}' is not a PTX entry name", launch.kernel));
    for (std::size_t d = 0; d < launch.grid.size(); ++d) {
      std::string dim = fmt::format("{}.grid[{}]", path, d);
      inRange(dim + ".times", launch.grid[d].times, 1, kMaxGridFactor);
      inRange(dim + ".divide", launch.grid[d].divide, 1, kMaxGridFactor);
    }
    std::int64_t threads = 1;
    for (std::size_t d = 0; d < launch.block.size(); ++d) {
      inRange(fmt::format("{}.block[{}]", path, d), launch.block[d], 1, kMaxThreadsPerBlock);
      threads *= launch.block[d];
    }
    if (threads > kMaxThreadsPerBlock)
      fail(path + ".block", fmt::format("{} x {} x {} = {} threads exceeds {}", launch.block[0],
                                        launch.block[1], launch.block[2], threads,
                                        kMaxThreadsPerBlock));
    if (launch.sharedBytes > kMaxSharedBytes)
      fail(path + ".shared_bytes",
           fmt::format("{} is out of range (0 to {})", launch.sharedBytes, kMaxSharedBytes));
    for (std::size_t a = 0; a < launch.args.size(); ++a)
      checkArg(fmt::format("{}.args[{}]", path, a), launch.args[a]);
  }

  // The manifest phase whose entry is `planName`, or nullptr.
  const std::pair<const std::string, Phase> *phaseWithEntry(const std::string &planName) const {
    for (const auto &named : manifest_.phases)
      if (named.second.entry == planName)
        return &named;
    return nullptr;
  }

private:
  std::string_view where_;
  const Manifest &manifest_;
  std::uint64_t countersBytes_;
};

} // namespace

std::int64_t GridDim::blocks(std::int64_t batch, std::int64_t tokens) const {
  __int128 value = 1;
  switch (per) {
  case GridPer::One:
    break;
  case GridPer::Batch:
    value = batch;
    break;
  case GridPer::Tokens:
    value = tokens;
    break;
  case GridPer::Rows:
    value = __int128(batch) * tokens;
    break;
  }
  __int128 blocks = (__int128(times) * value + divide - 1) / divide;
  return blocks > std::numeric_limits<std::int64_t>::max() ? std::numeric_limits<std::int64_t>::max()
                                                            : std::int64_t(blocks);
}

const PhasePlan *LaunchPlan::findPhase(const Manifest &manifest,
                                       std::string_view phaseName) const {
  const Phase *phase = manifest.findPhase(phaseName);
  if (!phase)
    return nullptr;
  auto found = phases.find(phase->entry);
  return found == phases.end() ? nullptr : &found->second;
}

void LaunchPlan::validate(std::string_view where, const Manifest &manifest) const {
  PlanChecker check(where, manifest, countersBytes);
  checkFormatVersion(formatVersion, kLaunchPlanFormatVersion, kLaunchPlanFormatVersion, where);
  if (scratchBytes != manifest.scratchBytes)
    check.fail("scratch_bytes", fmt::format("{} differs from the manifest's scratch_bytes ({})",
                                            scratchBytes, manifest.scratchBytes));
  if (countersBytes % kCounterBytes != 0 || countersBytes > kMaxCountersBytes)
    check.fail("counters_bytes", fmt::format("{} is not a multiple of {} up to {}", countersBytes,
                                             kCounterBytes, kMaxCountersBytes));
  for (const auto &[name, phase] : phases) {
    std::string path = "phases." + name;
    const auto *owner = check.phaseWithEntry(name);
    if (!owner)
      check.fail(path, fmt::format("no phase of the manifest has the entry '{}'", name));
    if (phase.module != owner->second.library)
      check.fail(path + ".module",
                 fmt::format("'{}' is not the library of the manifest's {} phase ('{}')",
                             phase.module, owner->first, owner->second.library));
    if (phase.launches.empty())
      check.fail(path + ".launches", "empty");
    for (std::size_t i = 0; i < phase.launches.size(); ++i)
      check.checkLaunch(fmt::format("{}.launches[{}]", path, i), phase.launches[i]);
  }
  for (const auto &[name, phase] : manifest.phases)
    if (!phases.contains(phase.entry))
      check.fail("phases", fmt::format("no plan for the manifest's {} phase (entry '{}')", name,
                                       phase.entry));
}

} // namespace gpt2c::artifact
