#include "TuneWorkload.h"

#include "Spec.h"

#include <cstring>

namespace gpt2c::halide {

using Halide::Buffer;
using Json = nlohmann::json;

namespace {

int sizeOf(const Json &entry, const char *key) { return entry.at(key).get<int>(); }

Halide::Type storageType(const std::string &dtype) {
  if (dtype == "int8")
    return Halide::Int(8);
  if (dtype == "bf16" || dtype == "f16")
    return Halide::UInt(16);
  return Halide::Float(32);
}

class WorkloadBuilder {
public:
  explicit WorkloadBuilder(const Json &entry) : entry_(entry) {}

  void input(const std::string &name, Halide::Type type, std::vector<int> sizes,
             bool streamed = false) {
    Buffer<> buffer(type, sizes, name);
    fillRandom(buffer, ++seed_);
    workload_.buffers[name] = buffer;
    if (streamed)
      workload_.streamed.insert(name);
  }
  void floats(const std::string &name, std::vector<int> sizes) {
    input(name, Halide::Float(32), std::move(sizes));
  }
  // A packed matrix values(extent0, extent1) of storage `dtypeKey`, with its
  // int8 scales(groups, channels) (KERNELS.md, "Weight storage").
  void matrix(const std::string &name, const std::string &scalesName, const std::string &dtypeKey,
              int extent0, int extent1, int channels, int reduced, bool streamed) {
    std::string dtype = entry_.at(dtypeKey).get<std::string>();
    input(name, storageType(dtype), {extent0, extent1}, streamed);
    if (dtype == "int8") {
      int groupSize = entry_.value("group_size", 0);
      input(scalesName, Halide::Float(32), {groupSize == 0 ? 1 : reduced / groupSize, channels},
            streamed);
    }
  }
  void scalar(const std::string &name, int32_t value) { workload_.scalars[name] = value; }
  void output(std::vector<int> sizes) { workload_.outputs.emplace_back(Halide::Float(32), sizes); }
  Workload take() { return std::move(workload_); }

private:
  const Json &entry_;
  Workload workload_;
  std::uint64_t seed_ = 0;
};

} // namespace

Workload makeWorkload(const Json &entry, const WorkloadSizes &sizes) {
  const std::string kind = entry.at("kind").get<std::string>();
  const std::string name = entry.at("name").get<std::string>();
  const int rows = sizes.rows, past = sizes.past;
  if (rows < 1 || past < 0)
    throw SpecError("kernel '" + name + "': \"rows\" must be positive and \"past\" not negative");
  WorkloadBuilder build(entry);
  if (kind == "embed") {
    const int embd = sizeOf(entry, "embd"), positions = sizeOf(entry, "positions");
    if (past + rows > positions)
      throw SpecError("kernel '" + name + "': past + rows exceeds positions (" +
                      std::to_string(positions) + ")");
    build.input("ids", Halide::Int(32), {rows, 1});
    build.matrix("wte", "wte_scales", "wte_dtype", embd, sizeOf(entry, "vocab"),
                 sizeOf(entry, "vocab"), embd, false);
    build.matrix("wpe", "wpe_scales", "wpe_dtype", embd, positions, positions, embd, false);
    build.scalar("past", past);
    build.output({embd, rows, 1});
  } else if (kind == "layer_norm") {
    const int width = sizeOf(entry, "width");
    build.floats("x", {width, rows});
    build.floats("gamma", {width});
    build.floats("beta", {width});
    build.output({width, rows});
  } else if (kind == "fused_linear") {
    const int k = sizeOf(entry, "k"), n = sizeOf(entry, "n");
    if (!entry.contains("layout"))
      throw SpecError("kernel '" + name + "': tune mode needs \"layout\" as a parameter");
    const std::string layout = entry.at("layout");
    build.floats("x", {k, rows});
    if (layout == "kpairs") // bf16 w(2 n + j, p): Weights.h, ReducedPairs
      build.matrix("weight", "scales", "dtype", 2 * n, k / 2, n, k, true);
    else if (layout == "kn")
      build.matrix("weight", "scales", "dtype", n, k, n, k, true);
    else
      build.matrix("weight", "scales", "dtype", k, n, n, k, true);
    build.floats("bias", {n});
    if (entry.at("norm").get<bool>()) {
      build.floats("gamma", {k});
      build.floats("beta", {k});
    }
    if (entry.at("residual").get<bool>())
      build.floats("residual", {n, rows});
    build.output({n, rows});
  } else if (kind == "qkv_scatter") {
    const int heads = sizeOf(entry, "heads"), headDim = sizeOf(entry, "head_dim");
    build.floats("qkv", {3 * heads * headDim, rows, 1});
    for (int part = 0; part < 3; ++part)
      build.output({headDim, rows, heads, 1});
  } else if (kind == "attention") {
    const int heads = sizeOf(entry, "heads"), headDim = sizeOf(entry, "head_dim"),
              capacity = sizeOf(entry, "capacity");
    if (past + rows > capacity)
      throw SpecError("kernel '" + name + "': past + rows exceeds capacity (" +
                      std::to_string(capacity) + ")");
    build.floats("query", {headDim, rows, heads, 1});
    build.input("keys", Halide::Float(32), {headDim, capacity, heads, 1}, true);
    build.input("values", Halide::Float(32), {headDim, capacity, heads, 1}, true);
    build.scalar("past", past);
    build.scalar("length", past + rows);
    build.output({heads * headDim, rows, 1});
  } else if (kind == "lm_head") {
    const int embd = sizeOf(entry, "embd"), vocab = sizeOf(entry, "vocab");
    build.floats("x", {embd, rows});
    build.matrix("weight", "scales", "dtype", embd, vocab, vocab, embd, true);
    build.output({vocab, rows});
  } else {
    throw SpecError("kernel '" + name + "': tune mode has no workload for kind '" + kind + "'");
  }
  return build.take();
}

void fillRandom(Buffer<> &buffer, std::uint64_t seed) {
  // splitmix64: fast enough for the hundreds of megabytes of weight copies.
  std::uint64_t state = seed * 0x9e3779b97f4a7c15ull;
  auto next = [&state] {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  const std::size_t count = buffer.number_of_elements();
  const Halide::Type type = buffer.type();
  void *data = buffer.data();
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t bits = next();
    if (type == Halide::Float(32)) {
      static_cast<float *>(data)[i] = float(int32_t(bits >> 40) - (1 << 23)) / float(1 << 23);
    } else if (type == Halide::UInt(16)) {
      // Sign, then an exponent that is normal whether read as bf16 (2^-7..2^0)
      // or as f16 (2^0), and a random mantissa.
      static_cast<std::uint16_t *>(data)[i] =
          std::uint16_t((bits & 0x8000u) | 0x3c00u | ((bits >> 16) & 0x3ffu));
    } else if (type == Halide::Int(8)) {
      static_cast<int8_t *>(data)[i] = int8_t(bits & 0xff);
    } else if (type == Halide::Int(32)) {
      static_cast<int32_t *>(data)[i] = int32_t(bits & 0xff);
    } else {
      std::memset(data, 0, count * type.bytes());
      return;
    }
  }
}

} // namespace gpt2c::halide
