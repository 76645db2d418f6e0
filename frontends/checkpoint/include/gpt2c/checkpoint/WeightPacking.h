#pragma once
// Weight packing: how one weight slot of a compiled artifact is laid out, and the
// code that lays it out. `gpt2c compile` packs the slots into weights.bin and the
// runtime packs them in memory for artifacts whose weights stay in the checkpoint,
// so both go through packWeight() and produce the same bytes (the kernel contract
// is codegen/x86/KERNELS.md).
//
// A slot holds either the values of a tensor (in float32, bf16 or f16 bits, or
// int8 codes) or the float32 scales of a tensor quantized to int8. Values of a 2-D
// tensor are row-major in the checkpoint's order (layout `row`, or `kn` for the
// [K][N] matrices of linear layers, the same bytes), transposed (`nk`), or bf16 in
// pairs of rows (`kpairs`: [K / 2][N][2], rows 2p and 2p + 1 of each column
// adjacent, the operand order of a bf16 dot-product instruction). Int8
// codes and scales come from quantizeInt8 (Int8Quantization.h): scales are
// row-major [channels][groups] whatever the layout of the codes. Bytes are in the
// host's order (little-endian on x86).
#include "gpt2c/checkpoint/WeightStore.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c {

enum class PackedKind { Values, Int8Scales };
enum class PackedDType { F32, BF16, F16, Int8 };
enum class PackedLayout { Row, KN, NK, KPairs };

struct PackingRecipe {
  std::string tensor; // canonical name, e.g. "h.0.attn.c_attn.weight"
  PackedKind kind = PackedKind::Values;
  // The stored element: f32, bf16 or f16 values, int8 codes; always f32 for scales.
  PackedDType dtype = PackedDType::F32;
  PackedLayout layout = PackedLayout::Row;
  // int8 only (codes and scales alike): values per scale along the reduced axis
  // (0: one scale per channel) and the output-channel axis of the checkpoint's
  // [rows, cols] matrix (1 for linear weights, 0 for the [V, E] embeddings).
  std::int64_t groupSize = 0;
  std::int64_t int8Axis = 1;

  bool quantized() const { return kind == PackedKind::Int8Scales || dtype == PackedDType::Int8; }
  bool operator==(const PackingRecipe &) const = default;
};

// Names as the artifact manifest spells them: "values" | "int8_scales",
// "f32" | "bf16" | "f16" | "int8", "row" | "kn" | "nk" | "kpairs".
std::string_view packedKindName(PackedKind kind);
std::string_view packedDTypeName(PackedDType dtype);
std::string_view packedLayoutName(PackedLayout layout);
std::optional<PackedKind> parsePackedKind(std::string_view name);
std::optional<PackedDType> parsePackedDType(std::string_view name);
std::optional<PackedLayout> parsePackedLayout(std::string_view name);
std::size_t packedElementSize(PackedDType dtype);

// Throws gpt2c::Error, prefixed with `where`, when the recipe cannot apply to a
// tensor of `shape`: a matrix layout or int8 for a tensor that is not 2-D, kpairs
// for anything but bf16 values of an even number of rows, scales
// not in f32 or not `row`, int8 options on a float slot, a group size that does
// not divide the reduced length, an axis other than 0 or 1.
void validateRecipe(const PackingRecipe &recipe, std::span<const std::int64_t> shape,
                    std::string_view where);

// The size in bytes of the packed slot for a tensor of `shape` (validates first).
std::uint64_t packedByteSize(const PackingRecipe &recipe, std::span<const std::int64_t> shape);

// Packs the slot from `store` into `out`, which must be exactly packedByteSize()
// bytes. Deterministic: the same store and recipe always give the same bytes.
void packWeightInto(const WeightStore &store, const PackingRecipe &recipe,
                    std::span<std::byte> out);
std::vector<std::byte> packWeight(const WeightStore &store, const PackingRecipe &recipe);

} // namespace gpt2c
