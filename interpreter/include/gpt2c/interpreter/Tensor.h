#pragma once
// Run-time values of the reference interpreter: dense row-major tensors whose
// storage is shared between copies (weights are converted once and handed to
// every op that reads them), and index scalars.
#include <cstdint>
#include <memory>
#include <span>
#include <variant>
#include <vector>

namespace gpt2c::interp {

template <typename T> class Tensor {
public:
  Tensor() = default;
  // A zero-filled tensor of `shape`.
  explicit Tensor(std::vector<std::int64_t> shape)
      : shape_(std::move(shape)), data_(std::make_shared<std::vector<T>>(elementCount(shape_))) {}
  Tensor(std::vector<std::int64_t> shape, std::vector<T> values)
      : shape_(std::move(shape)), data_(std::make_shared<std::vector<T>>(std::move(values))) {}

  const std::vector<std::int64_t> &shape() const { return shape_; }
  std::int64_t rank() const { return std::int64_t(shape_.size()); }
  std::int64_t dim(std::int64_t index) const { return shape_[std::size_t(index)]; }
  std::int64_t size() const { return data_ ? std::int64_t(data_->size()) : 0; }
  const T *data() const { return data_->data(); }
  std::span<const T> values() const { return {data_->data(), data_->size()}; }
  // Writable storage; copies it first when another tensor shares it.
  T *mutableData() {
    if (data_.use_count() > 1)
      data_ = std::make_shared<std::vector<T>>(*data_);
    return data_->data();
  }

  static std::int64_t elementCount(const std::vector<std::int64_t> &shape) {
    std::int64_t count = 1;
    for (std::int64_t extent : shape)
      count *= extent;
    return count;
  }

private:
  std::vector<std::int64_t> shape_;
  std::shared_ptr<std::vector<T>> data_;
};

// Activations are Tensor<float> or Tensor<double> (the interpreter's precision),
// token ids and positions Tensor<int32_t>, sizes and positions of type index int64_t.
using RuntimeValue = std::variant<Tensor<float>, Tensor<double>, Tensor<std::int32_t>, std::int64_t>;

enum class Precision { F32, F64 };

} // namespace gpt2c::interp
