#include "gpt2c/interpreter/WeightCache.h"

#include "Kernels.h"

#include "gpt2c/IR/Gpt2Dialect.h"
#include "gpt2c/checkpoint/Int8Quantization.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/FloatFormats.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

namespace gpt2c::interp {
namespace {

// The printed form of a type or attribute.
template <typename TypeOrAttr> std::string typeName(TypeOrAttr entity) {
  std::string text;
  llvm::raw_string_ostream(text) << entity;
  return text;
}

// A weight's storage as the IR declares it: element type and int8 encoding.
struct Storage {
  mlir::Type element;
  gpt2::Int8QuantAttr int8; // null unless the element type is i8

  explicit Storage(mlir::Type declared) {
    auto tensor = mlir::dyn_cast<mlir::RankedTensorType>(declared);
    element = tensor ? tensor.getElementType() : declared;
    if (tensor)
      int8 = mlir::dyn_cast_or_null<gpt2::Int8QuantAttr>(tensor.getEncoding());
  }
  // The cache key: the element type, plus the encoding that changes the values.
  std::string key() const {
    return int8 ? typeName(element) + typeName(int8) : typeName(element);
  }
};

// The value a float32 weight has once stored as a 16-bit float `element`.
float roundToStorage(float value, mlir::Type element) {
  if (element.isF16())
    return halfToFloat(floatToHalf(value));
  if (element.isBF16())
    return bfloat16ToFloat(floatToBfloat16(value));
  return value;
}

// The store's float32 `values` as the IR's storage holds them.
std::vector<float> valuesAsStored(const WeightStore &store, const WeightInfo &info,
                                  std::vector<float> values, const Storage &storage,
                                  const std::vector<std::int64_t> &shape) {
  mlir::Type element = storage.element;
  if (element.isInteger(8)) {
    if (!storage.int8 || shape.size() != 2)
      fail("{}: tensor '{}': an i8 weight must be a matrix with a #gpt2.int8 encoding, got {}",
           store.source(), info.name, typeName(element));
    return dequantize(quantizeInt8(values, shape[0], shape[1], storage.int8.getAxis(),
                                   storage.int8.getGroupSize()));
  }
  if (!element.isF32() && !element.isF16() && !element.isBF16())
    fail("{}: tensor '{}': the interpreter cannot read weights stored as {}", store.source(),
         info.name, typeName(element));
  // An f32 weight read from an f32 checkpoint needs no rounding.
  if (info.dtype != DType::F32 || !element.isF32())
    for (float &value : values)
      value = roundToStorage(value, element);
  return values;
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
  Storage storage(storageType);
  Key key{name, storage.key(), false};
  auto &cache = entries<T>();
  if (auto it = cache.find(key); it != cache.end())
    return it->second;
  const WeightInfo &info = store_.weight(name);
  if (info.shape != shape)
    fail("{}: tensor '{}' has shape [{}] but the IR expects [{}]", store_.source(), name,
         fmt::join(info.shape, ", "), fmt::join(shape, ", "));
  std::vector<float> values =
      valuesAsStored(store_, info, store_.readFloat32(name), storage, shape);
  std::vector<T> converted(values.begin(), values.end());
  return cache.emplace(key, Tensor<T>(shape, std::move(converted))).first->second;
}

template <typename T>
const Tensor<T> &WeightCache::getTransposed(const std::string &name,
                                            const std::vector<std::int64_t> &shape,
                                            mlir::Type storageType) {
  Key key{name, Storage(storageType).key(), true};
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
