#pragma once
// Warp-level tensor-core pieces shared by the products and the flash attention:
// the operand registers of mma.sync m16n8k16 (bf16 or f16 inputs, float32
// accumulators) and ldmatrix, which fills them from shared memory.
#include "KernelCommon.h"

#include <fmt/format.h>

#include <array>
#include <string>
#include <vector>

namespace gpt2c::ptx {

// The type of one operand register: two 16-bit values (bf16 travels as i32).
inline std::string fragmentType(const std::string &half) {
  return half == "bf16" ? "i32" : "vector<2xf16>";
}

// d = a b + c on one m16n8k16 tile: a 16 x 16 (row), b 16 x 8 (col), c 16 x 8.
// Lane (group = lane / 4, quad = lane % 4) holds a at rows group and group + 8,
// columns 2 quad + {0, 1} and + 8; b at rows 2 quad + {0, 1} and + 8, column
// group; c and d at rows group and group + 8, columns 2 quad + {0, 1}.
inline std::array<Value, 4> mmaSync(KernelWriter &w, const std::string &half,
                                    const std::array<Value, 4> &a, const std::array<Value, 2> &b,
                                    const std::array<Value, 4> &c) {
  std::string fragment = fragmentType(half);
  Value d = w.op(fmt::format(
      "nvvm.mma.sync A[{}, {}, {}, {}] B[{}, {}] C[{}, {}, {}, {}] {{layoutA = "
      "#nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = "
      "#nvvm.mma_type<{}>, multiplicandBPtxType = #nvvm.mma_type<{}>, shape = "
      "#nvvm.shape<m = 16, n = 8, k = 16>}} : ({}, {}, f32) -> "
      "!llvm.struct<(f32, f32, f32, f32)>",
      a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], c[2], c[3], half, half, fragment, fragment));
  std::array<Value, 4> result;
  for (int e = 0; e < 4; ++e)
    result[e] =
        w.op(fmt::format("llvm.extractvalue {}[{}] : !llvm.struct<(f32, f32, f32, f32)>", d, e));
  return result;
}

// ldmatrix of `count` (1, 2 or 4) 8 x 8 matrices of 16-bit values in shared
// memory: lanes 8i..8i+7 give the addresses of matrix i's rows. Each lane gets,
// of every matrix, the pair at row lane / 4, columns 2 (lane % 4) + {0, 1}; or,
// `transposed`, the pair at rows 2 (lane % 4) + {0, 1}, column lane / 4.
inline std::vector<Value> loadMatrices(KernelWriter &w, const std::string &half,
                                       const Value &rowAddress, int count, bool transposed) {
  std::string result = "i32";
  if (count > 1) {
    result = "!llvm.struct<(i32";
    for (int i = 1; i < count; ++i)
      result += ", i32";
    result += ")>";
  }
  Value loaded = w.op(fmt::format("nvvm.ldmatrix {} {{num = {} : i32, layout = "
                                  "#nvvm.mma_layout<{}>, shape = #nvvm.ld_st_matrix_shape<m = 8, "
                                  "n = 8>, eltType = #nvvm.ld_st_matrix_elt_type<b16>}} : "
                                  "(!llvm.ptr<3>) -> {}",
                                  rowAddress, count, transposed ? "col" : "row", result));
  std::vector<Value> registers;
  for (int i = 0; i < count; ++i) {
    Value bits =
        count == 1 ? loaded : w.op(fmt::format("llvm.extractvalue {}[{}] : {}", loaded, i, result));
    registers.push_back(
        half == "bf16" ? bits : w.op(fmt::format("llvm.bitcast {} : i32 to vector<2xf16>", bits)));
  }
  return registers;
}

// Two floats rounded to one operand register.
inline Value packPair(KernelWriter &w, const std::string &half, const Value &pair) {
  Value rounded = w.convert(pair, "vector<2xf32>", vectorOf(2, half));
  if (half != "bf16")
    return rounded;
  return w.op(fmt::format("llvm.bitcast {} : vector<2xbf16> to i32", rounded));
}

} // namespace gpt2c::ptx
