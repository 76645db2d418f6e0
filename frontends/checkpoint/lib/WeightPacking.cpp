#include "gpt2c/checkpoint/WeightPacking.h"

#include "gpt2c/checkpoint/Int8Quantization.h"
#include "gpt2c/support/Error.h"
#include "gpt2c/support/FloatFormats.h"

#include <array>
#include <cmath>
#include <functional>
#include <cstring>
#include <utility>

namespace gpt2c {
namespace {

constexpr std::array<std::pair<PackedKind, std::string_view>, 2> kKindNames = {
    {{PackedKind::Values, "values"}, {PackedKind::Int8Scales, "int8_scales"}}};
constexpr std::array<std::pair<PackedDType, std::string_view>, 4> kDTypeNames = {
    {{PackedDType::F32, "f32"},
     {PackedDType::BF16, "bf16"},
     {PackedDType::F16, "f16"},
     {PackedDType::Int8, "int8"}}};
constexpr std::array<std::pair<PackedLayout, std::string_view>, 4> kLayoutNames = {
    {{PackedLayout::Row, "row"},
     {PackedLayout::KN, "kn"},
     {PackedLayout::NK, "nk"},
     {PackedLayout::KPairs, "kpairs"}}};

template <typename Table, typename Enum> std::string_view nameOf(const Table &table, Enum value) {
  for (const auto &[entry, name] : table)
    if (entry == value)
      return name;
  return "?";
}

template <typename Enum, typename Table>
std::optional<Enum> parseName(const Table &table, std::string_view name) {
  for (const auto &[entry, entryName] : table)
    if (entryName == name)
      return entry;
  return std::nullopt;
}

// The [rows, cols] view of a 2-D tensor.
struct MatrixShape {
  std::int64_t rows, cols;
};

MatrixShape matrixShape(std::span<const std::int64_t> shape) { return {shape[0], shape[1]}; }

std::int64_t elementCount(std::span<const std::int64_t> shape) {
  std::int64_t count = 1;
  for (std::int64_t extent : shape)
    count *= extent;
  return count;
}

// Element i of the packed order: the checkpoint's row-major index it comes from.
// `nk` stores the [K][N] matrix transposed, so packed (n, k) reads source (k, n);
// `kpairs` stores [K / 2][N][2], so packed (p, n, j) reads source (2p + j, n).
std::int64_t sourceIndex(const PackingRecipe &recipe, std::span<const std::int64_t> shape,
                         std::int64_t packedIndex) {
  auto [rows, cols] = recipe.layout == PackedLayout::Row ? MatrixShape{0, 0} : matrixShape(shape);
  if (recipe.layout == PackedLayout::NK) {
    std::int64_t n = packedIndex / rows, k = packedIndex % rows;
    return k * cols + n;
  }
  if (recipe.layout == PackedLayout::KPairs) {
    std::int64_t pair = packedIndex / (2 * cols), inPair = packedIndex % (2 * cols);
    return (2 * pair + inPair % 2) * cols + inPair / 2;
  }
  return packedIndex;
}

// Stores every value converted to the slot's format. A value that is not finite
// there (infinity or NaN in the checkpoint, or beyond the range of f16) is refused:
// the kernels widen 16-bit weights on the assumption that they are finite, and no
// result computed from such a weight would mean anything.
template <typename Element, typename Convert, typename Widen>
void storeConverted(const PackingRecipe &recipe, std::span<const std::int64_t> shape,
                    std::span<const float> values, std::span<std::byte> out, Convert convert,
                    Widen widen) {
  auto *destination = reinterpret_cast<Element *>(out.data());
  for (std::int64_t i = 0; i < std::int64_t(values.size()); ++i) {
    std::int64_t source = sourceIndex(recipe, shape, i);
    float value = values[std::size_t(source)];
    Element element = convert(value);
    if (!std::isfinite(widen(element)))
      fail("weight packing of '{}': element {} ({}) is not finite as {}", recipe.tensor, source,
           value, packedDTypeName(recipe.dtype));
    std::memcpy(destination + i, &element, sizeof(Element)); // `out` need not be aligned
  }
}

} // namespace

std::string_view packedKindName(PackedKind kind) { return nameOf(kKindNames, kind); }
std::string_view packedDTypeName(PackedDType dtype) { return nameOf(kDTypeNames, dtype); }
std::string_view packedLayoutName(PackedLayout layout) { return nameOf(kLayoutNames, layout); }
std::optional<PackedKind> parsePackedKind(std::string_view name) {
  return parseName<PackedKind>(kKindNames, name);
}
std::optional<PackedDType> parsePackedDType(std::string_view name) {
  return parseName<PackedDType>(kDTypeNames, name);
}
std::optional<PackedLayout> parsePackedLayout(std::string_view name) {
  return parseName<PackedLayout>(kLayoutNames, name);
}

std::size_t packedElementSize(PackedDType dtype) {
  switch (dtype) {
  case PackedDType::F32:
    return 4;
  case PackedDType::BF16:
  case PackedDType::F16:
    return 2;
  case PackedDType::Int8:
    return 1;
  }
  return 0;
}

void validateRecipe(const PackingRecipe &recipe, std::span<const std::int64_t> shape,
                    std::string_view where) {
  bool matrix = shape.size() == 2;
  if (recipe.layout != PackedLayout::Row && !matrix)
    fail("{}: layout {} needs a 2-D tensor, '{}' has {} dimensions", where,
         packedLayoutName(recipe.layout), recipe.tensor, shape.size());
  if (recipe.layout == PackedLayout::KPairs) {
    if (recipe.kind != PackedKind::Values || recipe.dtype != PackedDType::BF16)
      fail("{}: layout kpairs holds bf16 values only, not {} {}", where,
           packedDTypeName(recipe.dtype), packedKindName(recipe.kind));
    if (shape[0] % 2 != 0)
      fail("{}: layout kpairs needs an even number of rows, '{}' has {}", where, recipe.tensor,
           shape[0]);
  }
  if (recipe.kind == PackedKind::Int8Scales) {
    if (recipe.dtype != PackedDType::F32)
      fail("{}: int8 scales are stored as f32, not {}", where, packedDTypeName(recipe.dtype));
    if (recipe.layout != PackedLayout::Row)
      fail("{}: int8 scales are stored row-major [channels][groups] (layout row), not {}", where,
           packedLayoutName(recipe.layout));
  }
  if (!recipe.quantized()) {
    if (recipe.groupSize != 0 || recipe.int8Axis != 1)
      fail("{}: group_size and int8_axis apply to int8 slots only", where);
    return;
  }
  if (!matrix)
    fail("{}: int8 needs a 2-D tensor, '{}' has {} dimensions", where, recipe.tensor, shape.size());
  if (recipe.int8Axis != 0 && recipe.int8Axis != 1)
    fail("{}: int8_axis must be 0 or 1, got {}", where, recipe.int8Axis);
  auto [rows, cols] = matrixShape(shape);
  std::int64_t reduced = recipe.int8Axis == 0 ? cols : rows;
  if (recipe.groupSize < 0 || (recipe.groupSize != 0 && reduced % recipe.groupSize != 0))
    fail("{}: group_size {} does not divide the {} values of each channel of '{}'", where,
         recipe.groupSize, reduced, recipe.tensor);
}

std::uint64_t packedByteSize(const PackingRecipe &recipe, std::span<const std::int64_t> shape) {
  validateRecipe(recipe, shape, fmt::format("weight packing of '{}'", recipe.tensor));
  if (recipe.kind == PackedKind::Values)
    return std::uint64_t(elementCount(shape)) * packedElementSize(recipe.dtype);
  auto [rows, cols] = matrixShape(shape);
  std::int64_t channels = recipe.int8Axis == 0 ? rows : cols;
  std::int64_t reduced = recipe.int8Axis == 0 ? cols : rows;
  std::int64_t groups = recipe.groupSize == 0 ? 1 : reduced / recipe.groupSize;
  return std::uint64_t(channels * groups) * sizeof(float);
}

void packWeightInto(const WeightStore &store, const PackingRecipe &recipe,
                    std::span<std::byte> out) {
  const WeightInfo *info = store.findWeight(recipe.tensor);
  if (!info)
    fail("weight packing: {} has no tensor '{}'", store.source(), recipe.tensor);
  std::span<const std::int64_t> shape = info->shape;
  std::uint64_t expected = packedByteSize(recipe, shape);
  if (out.size() != expected)
    fail("weight packing of '{}': the slot holds {} bytes, the packed tensor needs {}",
         recipe.tensor, out.size(), expected);
  std::vector<float> values = store.readFloat32(recipe.tensor);

  if (!recipe.quantized()) {
    switch (recipe.dtype) {
    case PackedDType::F32:
      storeConverted<float>(recipe, shape, values, out, std::identity(), std::identity());
      return;
    case PackedDType::BF16:
      storeConverted<std::uint16_t>(recipe, shape, values, out, floatToBfloat16, bfloat16ToFloat);
      return;
    case PackedDType::F16:
      storeConverted<std::uint16_t>(recipe, shape, values, out, floatToHalf, halfToFloat);
      return;
    case PackedDType::Int8:
      break; // quantized() covers it
    }
  }
  auto [rows, cols] = matrixShape(shape);
  Int8Matrix quantized = quantizeInt8(values, rows, cols, recipe.int8Axis, recipe.groupSize);
  if (recipe.kind == PackedKind::Int8Scales) {
    std::memcpy(out.data(), quantized.scales.data(), quantized.scales.size() * sizeof(float));
    return;
  }
  auto *codes = reinterpret_cast<std::int8_t *>(out.data());
  for (std::int64_t i = 0; i < rows * cols; ++i)
    codes[i] = quantized.values[std::size_t(sourceIndex(recipe, shape, i))];
}

std::vector<std::byte> packWeight(const WeightStore &store, const PackingRecipe &recipe) {
  const WeightInfo *info = store.findWeight(recipe.tensor);
  if (!info)
    fail("weight packing: {} has no tensor '{}'", store.source(), recipe.tensor);
  std::vector<std::byte> bytes(packedByteSize(recipe, info->shape));
  packWeightInto(store, recipe, bytes);
  return bytes;
}

} // namespace gpt2c
