#pragma once
// Weights converted for the interpreter: each tensor is read from the store once,
// rounded to the storage type the IR declares (so that IR whose weights a pass
// narrowed to bf16, f16 or int8 computes with exactly those values: for int8, the
// dequantized q * scale of the shared recipe in gpt2c/checkpoint/Int8Quantization.h),
// widened to the interpreter's precision, and kept for every later run.
#include "gpt2c/checkpoint/WeightStore.h"
#include "gpt2c/interpreter/Tensor.h"

#include "mlir/IR/Types.h"

#include <map>
#include <string>
#include <utility>

namespace gpt2c::interp {

class WeightCache {
public:
  explicit WeightCache(const WeightStore &store) : store_(store) {}

  const WeightStore &store() const { return store_; }

  // Tensor `name` with `shape`, stored as `storageType`: the weight's tensor type
  // (f32, f16, bf16, or i8 with its #gpt2.int8 encoding), or the element type of
  // a float weight.
  template <typename T>
  const Tensor<T> &get(const std::string &name, const std::vector<std::int64_t> &shape,
                       mlir::Type storageType);
  // The transpose of a 2-D weight, cached like the weight itself.
  template <typename T>
  const Tensor<T> &getTransposed(const std::string &name, const std::vector<std::int64_t> &shape,
                                 mlir::Type storageType);

private:
  using Key = std::tuple<std::string, std::string, bool>; // name, storage type, transposed
  template <typename T> std::map<Key, Tensor<T>> &entries();

  const WeightStore &store_;
  std::map<Key, Tensor<float>> floatEntries_;
  std::map<Key, Tensor<double>> doubleEntries_;
};

} // namespace gpt2c::interp
