// The analytic model for sm_90 (an H100/H200: 132 multiprocessors). Products of a
// few rows are memory-bound: a matrix-vector schedule whose blocks stream whole
// weight rows, with enough blocks for every multiprocessor to hold several and
// enough rows per warp for several 16-byte loads in flight. Products of many
// rows with 16-bit weights are compute-bound: tensor-core tiles. Attention of one
// query splits the keys across blocks; of many, flash tiles of a few threads per query.
#include "GpuSchedules.h"

#include "gpt2c/IR/Gpt2Dialect.h"

namespace gpt2c {

using Json = nlohmann::json;

namespace {

constexpr int64_t kMultiprocessors = 132;

Json productSchedule(int64_t n, bool fewRows, mlir::Type weight) {
  if (fewRows || weight.isF32()) {
    // Four warps per block; as many rows per warp as keeps >= 2 blocks per
    // multiprocessor (more rows per warp, more loads in flight per warp).
    int64_t warps = 4, columns = 4;
    while (columns > 1 && n / (warps * columns) < 2 * kMultiprocessors)
      columns /= 2;
    return {{"strategy", "gemv"}, {"warps", warps}, {"columns_per_warp", columns},
            {"vector_bytes", 16}};
  }
  return {{"strategy", "mma"}, {"tile_m", 64}, {"tile_n", 64}, {"tile_k", 32}, {"warps", 4},
          {"stages", 1}};
}

bool oneRowPerSequence(mlir::Value input) {
  return llvm::cast<mlir::RankedTensorType>(input.getType()).getDimSize(1) == 1;
}

} // namespace

std::optional<Json> chooseGpuSchedule(mlir::Operation *op, bool decode) {
  if (auto linear = llvm::dyn_cast<gpt2::FusedLinearOp>(op)) {
    auto weight = llvm::cast<mlir::RankedTensorType>(linear.getWeight().getType());
    return productSchedule(weight.getDimSize(1), decode || oneRowPerSequence(linear.getInput()),
                           weight.getElementType());
  }
  if (auto head = llvm::dyn_cast<gpt2::LmHeadOp>(op)) {
    auto weight = llvm::cast<mlir::RankedTensorType>(head.getWeight().getType());
    return productSchedule(weight.getDimSize(0), decode || oneRowPerSequence(head.getInput()),
                           weight.getElementType());
  }
  if (auto attention = llvm::dyn_cast<gpt2::AttentionOp>(op)) {
    int64_t queries =
        llvm::cast<mlir::RankedTensorType>(attention.getQuery().getType()).getDimSize(2);
    if (decode || queries == 1)
      return Json{{"strategy", "split"}, {"chunk", 64}};
    return Json{{"strategy", "flash"}, {"block_q", 32}, {"key_tile", 32}, {"key_split", 8}};
  }
  if (llvm::isa<gpt2::EmbedOp, gpt2::LayerNormOp>(op))
    return Json{{"block", 256}};
  return std::nullopt;
}

} // namespace gpt2c
