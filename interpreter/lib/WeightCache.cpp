#include "gpt2c/interpreter/WeightCache.h"

#include "Kernels.h"

#include "gpt2c/support/Error.h"
#include "gpt2c/support/FloatFormats.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

namespace gpt2c::interp {
namespace {

std::string typeName(mlir::Type type) {
  std::string text;
  llvm::raw_string_ostream(text) << type;
  return text;
}

// The value a float32 weight has once stored as `storageType`.
float roundToStorage(float value, mlir::Type storageType) {
  if (storageType.isF16())
    return halfToFloat(floatToHalf(value));
  if (storageType.isBF16())
    return bfloat16ToFloat(floatToBfloat16(value));
  return value;
}

} // namespace

template <> std::map<WeightCache::Key, Tensor<float>> &WeightCache::entries<float>() {
  return floatEntries_;
}
template <> std::map<WeightCache::Key, Tensor<double>> &WeightCache::entries<double>() {
  return doubleEntries_;
}

template <typename T>
const Tensor<T> &WeightCache::get(const std::string &name, const std::vector<std::int64_t> &shape,
                                  mlir::Type storageType) {
  Key key{name, typeName(storageType), false};
  auto &cache = entries<T>();
  if (auto it = cache.find(key); it != cache.end())
    return it->second;
  const WeightInfo &info = store_.weight(name);
  if (info.shape != shape)
    fail("{}: tensor '{}' has shape [{}] but the IR expects [{}]", store_.source(), name,
         fmt::join(info.shape, ", "), fmt::join(shape, ", "));
  if (!storageType.isF32() && !storageType.isF16() && !storageType.isBF16())
    fail("{}: tensor '{}': the interpreter cannot read weights stored as {}", store_.source(), name,
         typeName(storageType));
  std::vector<float> values = store_.readFloat32(name);
  std::vector<T> converted(values.size());
  bool narrowed = info.dtype != DType::F32 || !storageType.isF32();
  for (std::size_t i = 0; i < values.size(); ++i)
    converted[i] = T(narrowed ? roundToStorage(values[i], storageType) : values[i]);
  return cache.emplace(key, Tensor<T>(shape, std::move(converted))).first->second;
}

template <typename T>
const Tensor<T> &WeightCache::getTransposed(const std::string &name,
                                            const std::vector<std::int64_t> &shape,
                                            mlir::Type storageType) {
  Key key{name, typeName(storageType), true};
  auto &cache = entries<T>();
  if (auto it = cache.find(key); it != cache.end())
    return it->second;
  const Tensor<T> &weight = get<T>(name, shape, storageType);
  Tensor<T> transposed({shape[1], shape[0]});
  kernels::transpose(shape[1], shape[0], weight.data(), transposed.mutableData());
  return cache.emplace(key, std::move(transposed)).first->second;
}

template const Tensor<float> &WeightCache::get<float>(const std::string &,
                                                      const std::vector<std::int64_t> &, mlir::Type);
template const Tensor<double> &WeightCache::get<double>(const std::string &,
                                                        const std::vector<std::int64_t> &,
                                                        mlir::Type);
template const Tensor<float> &
WeightCache::getTransposed<float>(const std::string &, const std::vector<std::int64_t> &, mlir::Type);
template const Tensor<double> &
WeightCache::getTransposed<double>(const std::string &, const std::vector<std::int64_t> &,
                                   mlir::Type);

} // namespace gpt2c::interp
