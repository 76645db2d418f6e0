// The analytic model for sm_90 (an H100/H200: 132 multiprocessors). Products of a
// few rows are memory-bound: a matrix-vector schedule whose blocks stream whole
// weight rows, with enough blocks for every multiprocessor to hold several and
// enough rows per warp for several 16-byte loads in flight. Products of many
// rows with 16-bit weights are compute-bound: tensor-core tiles. Attention of one
// query splits the keys across blocks; of many, flash tiles: on tensor cores with 16-bit
// weights, else a few threads per query.
#include "GpuSchedules.h"

#include "gpt2c/IR/Gpt2Dialect.h"

namespace gpt2c {

using Json = nlohmann::json;

namespace {

constexpr int64_t kMultiprocessors = 132;

Json productSchedule(int64_t n, int64_t rows, bool fewRows, mlir::Type weight) {
  if (fewRows || weight.isF32()) {
    // Four warps per block; as many rows per warp as keeps >= 2 blocks per
    // multiprocessor (more rows per warp, more loads in flight per warp).
    int64_t warps = 4, columns = 4;
    while (columns > 1 && n / (warps * columns) < 2 * kMultiprocessors)
      columns /= 2;
    return {{"strategy", "gemv"}, {"warps", warps}, {"columns_per_warp", columns},
            {"vector_bytes", 16}};
  }
  // Tensor-core tiles: the largest block tile (most reuse of each staged byte:
  // the products are bound by the L2 -> SM traffic) that still gives every
  // multiprocessor a block at the phase's full length (`rows`), else the
  // smallest. Measured on an H200 at 1024 rows against 128 x 128 tiles of 16 warps
  // of 32 x 32, 8 of 64 x 32, or 64 x 64 tiles everywhere: 124M prefill 2.28 ms
  // against 2.45, 2.75, 2.70; xl 24.1 against 25.1, 26.1, 29.9.
  struct Tiles {
    int64_t tileM, tileN, warpM, warpN;
  };
  constexpr Tiles kCandidates[] = {{128, 128, 64, 64}, {128, 64, 32, 32}, {64, 64, 32, 32}};
  auto blocks = [&](const Tiles &tiles) {
    return ((rows + tiles.tileM - 1) / tiles.tileM) * ((n + tiles.tileN - 1) / tiles.tileN);
  };
  Tiles chosen = kCandidates[2];
  for (const Tiles &candidate : kCandidates)
    if (blocks(candidate) >= kMultiprocessors) {
      chosen = candidate;
      break;
    }
  return {{"strategy", "mma"},
          {"tile_m", chosen.tileM},
          {"tile_n", chosen.tileN},
          {"tile_k", 32},
          {"warp_m", chosen.warpM},
          {"warp_n", chosen.warpN},
          {"warps", (chosen.tileM / chosen.warpM) * (chosen.tileN / chosen.warpN)},
          {"stages", 2}};
}

bool oneRowPerSequence(mlir::Value input) {
  return llvm::cast<mlir::RankedTensorType>(input.getType()).getDimSize(1) == 1;
}

// The weight type of the QKV product that the attention's queries come from
// (through split_qkv): 16-bit weights put the attention on tensor cores too.
mlir::Type queryWeightType(gpt2::AttentionOp attention) {
  auto split = attention.getQuery().getDefiningOp<gpt2::SplitQkvOp>();
  if (!split)
    return {};
  auto linear = split.getQkv().getDefiningOp<gpt2::FusedLinearOp>();
  if (!linear)
    return {};
  return llvm::cast<mlir::RankedTensorType>(linear.getWeight().getType()).getElementType();
}

} // namespace

std::optional<Json> chooseGpuSchedule(mlir::Operation *op, bool decode, int64_t prefillRows) {
  if (auto linear = llvm::dyn_cast<gpt2::FusedLinearOp>(op)) {
    auto weight = llvm::cast<mlir::RankedTensorType>(linear.getWeight().getType());
    return productSchedule(weight.getDimSize(1), prefillRows,
                           decode || oneRowPerSequence(linear.getInput()),
                           weight.getElementType());
  }
  if (auto head = llvm::dyn_cast<gpt2::LmHeadOp>(op)) {
    auto weight = llvm::cast<mlir::RankedTensorType>(head.getWeight().getType());
    return productSchedule(weight.getDimSize(0), prefillRows,
                           decode || oneRowPerSequence(head.getInput()), weight.getElementType());
  }
  if (auto attention = llvm::dyn_cast<gpt2::AttentionOp>(op)) {
    int64_t queries =
        llvm::cast<mlir::RankedTensorType>(attention.getQuery().getType()).getDimSize(2);
    if (decode || queries == 1)
      return Json{{"strategy", "split"}, {"chunk", 64}};
    // Many queries with 16-bit weights: 4 warps of 16 queries on tensor cores,
    // with f16 operands whatever the weights: 8 times finer than bf16 (against
    // the exact softmax at 1024 tokens on an H200: 1.3e-3 against 8.8e-3).
    int64_t headDim =
        llvm::cast<mlir::RankedTensorType>(attention.getKeys().getType()).getDimSize(3);
    mlir::Type weight = queryWeightType(attention);
    if (weight && (weight.isBF16() || weight.isF16()) && headDim % 16 == 0 && headDim <= 256)
      return Json{{"strategy", "flash_mma"},
                  {"operands", "f16"},
                  {"block_q", 64},
                  {"key_tile", 64}};
    return Json{{"strategy", "flash"}, {"block_q", 32}, {"key_tile", 32}, {"key_split", 8}};
  }
  if (llvm::isa<gpt2::EmbedOp, gpt2::LayerNormOp>(op))
    return Json{{"block", 256}};
  return std::nullopt;
}

} // namespace gpt2c
