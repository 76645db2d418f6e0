#pragma once
// Pieces every kernel shares: the step parameters and element sizes.
#include "gpt2c/codegen/ptx/KernelWriter.h"

#include <string_view>

namespace gpt2c::ptx {

struct StepParams {
  Value batch, tokens, past; // index values
};

// Reads {batch, tokens, past} from the `params` argument.
inline StepParams loadStepParams(KernelWriter &w) {
  Value base = w.param("params");
  auto field = [&](int64_t i) {
    return w.toIndex(w.load(w.gep(base, w.index(i), "i32"), "i32"));
  };
  return {field(0), field(1), field(2)};
}

// Four floats: the 16-byte unit of the kernels' activation loads and stores.
inline constexpr const char *kVec4 = "vector<4xf32>";

inline int64_t elementBytes(std::string_view type) { return type == "f32" ? 4 : 2; }

// The vector type of `lanes` elements of `type`.
inline std::string vectorOf(int64_t lanes, std::string_view type) {
  return "vector<" + std::to_string(lanes) + "x" + std::string(type) + ">";
}

} // namespace gpt2c::ptx
