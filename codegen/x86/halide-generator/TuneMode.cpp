// `tune` mode: for every kernel of a tune spec, JIT-compiles each candidate
// schedule and times it on random inputs; writes every timing and the fastest
// candidate. Candidates of a kernel are timed in interleaved rounds, so that a
// change in the load of a shared machine affects all of them alike.
#include "Kernels.h"
#include "TuneWorkload.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <optional>

namespace gpt2c::halide {

using Json = nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// Streamed inputs larger than L2 (2 MiB per core here) are cycled through copies
// totalling more than the last-level cache, so that every run reads them from
// memory as the model does; smaller ones stay in cache in the model too.
constexpr std::size_t kL2Bytes = std::size_t(2) << 20;
constexpr std::size_t kCycleBytes = std::size_t(512) << 20;
constexpr int kRounds = 5;
constexpr int kMaxRunsPerRound = 20000;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string messageOf(const std::exception &error) {
  std::string text = error.what();
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

// The copies of a workload's streamed inputs; copy 0 is the workload's own.
class StreamedCopies {
public:
  explicit StreamedCopies(const Workload &workload) {
    std::size_t bytes = 0;
    for (const std::string &name : workload.streamed)
      bytes += workload.buffers.at(name).size_in_bytes();
    count_ = bytes > kL2Bytes ? (kCycleBytes + bytes - 1) / bytes : 1;
    for (const std::string &name : workload.streamed) {
      std::vector<Halide::Buffer<>> &copies = copies_[name];
      copies.push_back(workload.buffers.at(name));
      for (std::size_t i = 1; i < count_; ++i)
        copies.push_back(copies.front().copy());
    }
  }

  std::size_t count() const { return count_; }
  // The next copy, in turn, of every streamed input.
  const std::map<std::string, Halide::Buffer<>> &next() {
    for (auto &[name, copies] : copies_)
      current_[name] = copies[next_];
    next_ = (next_ + 1) % count_;
    return current_;
  }

private:
  std::size_t count_ = 1, next_ = 0;
  std::map<std::string, std::vector<Halide::Buffer<>>> copies_;
  std::map<std::string, Halide::Buffer<>> current_;
};

// One candidate: its definition, JIT-compiled, and its run times.
struct Candidate {
  Json schedule;
  std::optional<KernelDefinition> definition;
  std::string error;
  double compileSeconds = 0;
  std::vector<double> runs;

  double median() const {
    std::vector<double> sorted = runs;
    std::sort(sorted.begin(), sorted.end());
    return sorted[sorted.size() / 2];
  }
};

// The workload's buffer as the parameter takes it: a 16-bit matrix read as uint32
// column pairs (a bf16 or f16 "pairs" schedule, Weights.h) gets a view of the same bytes.
Halide::Buffer<> viewFor(const Halide::Internal::Parameter &parameter,
                         const Halide::Buffer<> &buffer) {
  if (parameter.type() != Halide::UInt(32) || buffer.type() != Halide::UInt(16))
    return buffer;
  const int pairs = buffer.dim(0).extent() / 2;
  halide_dimension_t shape[2] = {{0, pairs, 1}, {0, buffer.dim(1).extent(), pairs}};
  return Halide::Buffer<>(Halide::UInt(32), const_cast<void *>(buffer.data()), 2, shape);
}

// Binds the workload's values to the candidate's parameters by name.
void bindInputs(Candidate &candidate, const Workload &workload, const std::string &kernel) {
  for (KernelInput &input : candidate.definition->inputs) {
    Halide::Internal::Parameter &parameter = input.parameter;
    if (parameter.is_buffer()) {
      auto buffer = workload.buffers.find(parameter.name());
      if (buffer == workload.buffers.end())
        throw SpecError("kernel '" + kernel + "': no workload buffer for input '" +
                        parameter.name() + "'");
      parameter.set_buffer(viewFor(parameter, buffer->second));
    } else {
      auto scalar = workload.scalars.find(parameter.name());
      if (scalar == workload.scalars.end())
        throw SpecError("kernel '" + kernel + "': no workload value for input '" +
                        parameter.name() + "'");
      parameter.set_scalar<int32_t>(scalar->second);
    }
  }
}

void bindStreamed(Candidate &candidate, const std::map<std::string, Halide::Buffer<>> &copies) {
  for (KernelInput &input : candidate.definition->inputs)
    if (auto copy = copies.find(input.parameter.name()); copy != copies.end())
      input.parameter.set_buffer(viewFor(input.parameter, copy->second));
}

int intField(const Json &entry, const char *key, int fallback, const std::string &where) {
  if (!entry.contains(key))
    return fallback;
  if (!entry.at(key).is_number_integer())
    throw SpecError(where + ": \"" + key + "\" must be an integer");
  return entry.at(key).get<int>();
}

Json tuneKernel(const Json &entry, std::size_t index, const Halide::Target &target,
                double secondsPerCandidate) {
  std::string where = "kernel #" + std::to_string(index);
  if (entry.is_object() && entry.contains("name") && entry.at("name").is_string())
    where = "kernel '" + entry.at("name").get<std::string>() + "'";
  if (!entry.is_object() || !entry.contains("candidates") || !entry.at("candidates").is_array() ||
      entry.at("candidates").empty())
    throw SpecError(where + ": must be an object with a non-empty \"candidates\" array");
  // The entry without the tune fields is a kernels-mode entry.
  Json base = entry;
  for (const char *key : {"rows", "past", "candidates"})
    base.erase(key);
  WorkloadSizes sizes{intField(entry, "rows", 1, where), intField(entry, "past", 0, where)};

  // The first candidate (the caller's baseline) must define, compile and run;
  // a later one that fails is reported as rejected.
  std::vector<Candidate> candidates;
  auto attempt = [&](Candidate &candidate, const std::function<void()> &step) {
    try {
      step();
    } catch (const std::exception &error) {
      if (&candidate == &candidates.front())
        throw;
      candidate.error = messageOf(error);
      candidate.definition.reset();
    }
  };
  for (const Json &schedule : entry.at("candidates")) {
    Json spec = base;
    spec["schedule"] = schedule;
    Candidate &candidate = candidates.emplace_back(Candidate{schedule});
    attempt(candidate, [&] { candidate.definition = defineKernel(spec, where, target); });
  }

  // The first candidate defined the kernel from `base`: its parameters are valid.
  std::string name = base.at("name").get<std::string>();
  Workload workload = makeWorkload(base, sizes);
  StreamedCopies copies(workload);
  Halide::Realization outputs(workload.outputs);
  for (Candidate &candidate : candidates) {
    Clock::time_point start = Clock::now();
    if (candidate.definition)
      attempt(candidate, [&] { candidate.definition->pipeline.compile_jit(target); });
    candidate.compileSeconds = secondsSince(start);
  }

  const double roundSeconds = secondsPerCandidate / kRounds;
  for (int round = 0; round < kRounds; ++round) {
    for (Candidate &candidate : candidates) {
      if (!candidate.definition)
        continue;
      auto run = [&] {
        bindStreamed(candidate, copies.next());
        candidate.definition->pipeline.realize(outputs, target);
      };
      attempt(candidate, [&] {
        bindInputs(candidate, workload, name);
        run(); // warm-up: code and the small inputs into cache
        Clock::time_point roundStart = Clock::now();
        do {
          Clock::time_point start = Clock::now();
          run();
          candidate.runs.push_back(secondsSince(start));
        } while (secondsSince(roundStart) < roundSeconds &&
                 candidate.runs.size() < std::size_t(kMaxRunsPerRound) * (round + 1));
      });
    }
  }

  Json timings = Json::array();
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate &candidate = candidates[i];
    Json timing = {{"schedule", candidate.schedule}};
    if (!candidate.definition) {
      timing["error"] = candidate.error;
    } else {
      timing["seconds"] = candidate.median();
      timing["best_seconds"] = *std::min_element(candidate.runs.begin(), candidate.runs.end());
      timing["runs"] = candidate.runs.size();
      timing["compile_seconds"] = candidate.compileSeconds;
      if (!best || candidate.median() < candidates[*best].median())
        best = i;
    }
    timings.push_back(timing);
  }
  return {{"name", name},
          {"kind", base.at("kind")},
          {"rows", sizes.rows},
          {"past", sizes.past},
          {"streamed_copies", copies.count()},
          {"best", *best},
          {"schedule", candidates[*best].schedule},
          {"seconds", candidates[*best].median()},
          {"candidates", timings}};
}

} // namespace

void tuneSpecKernels(const std::string &specPath, const std::string &outputPath,
                     const Halide::Target &target, double secondsPerCandidate, int threads) {
  Json spec = readSpecFile(specPath);
  if (!spec.is_object() || !spec.contains("kernels") || !spec.at("kernels").is_array())
    throw SpecError("spec must be an object with a \"kernels\" array");
  std::ofstream output(outputPath);
  if (!output)
    throw SpecError("cannot write '" + outputPath + "'");
  Json kernels = Json::array();
  std::size_t index = 0;
  for (const Json &entry : spec.at("kernels"))
    kernels.push_back(tuneKernel(entry, index++, target, secondsPerCandidate));
  Json result = {{"target", target.to_string()},
                 {"threads", threads},
                 {"seconds_per_candidate", secondsPerCandidate},
                 {"kernels", kernels}};
  output << result.dump(2) << "\n";
  if (!output.flush())
    throw SpecError("cannot write '" + outputPath + "'");
}

} // namespace gpt2c::halide
