// Matrix products on tensor cores (prefill, score): a block of 4 warps computes a
// 64 x 64 tile of out = x W^T, each warp a 32 x 32 quarter as 2 x 4 mma.sync
// m16n8k16 tiles accumulating in float32 registers. Per step of 32 along K the
// block stages x (float32, rounded to 16 bits on the way) and W (16-bit [N][K]
// rows, 16-byte loads) in shared memory; rows are padded by 8 elements so that
// the fragment loads of a warp hit 32 different banks.
#include "KernelCommon.h"
#include "gpt2c/codegen/ptx/Kernels.h"

#include "gpt2c/support/Error.h"

#include <fmt/format.h>

#include <vector>

namespace gpt2c::ptx {

KernelSource gemmKernel(const std::string &name, const GemmSpec &spec) {
  if (spec.weightType != "bf16" && spec.weightType != "f16")
    fail("gemm {}: tensor-core products take bf16 or f16 weights, not {}", name, spec.weightType);
  if (spec.tileM != 64 || spec.tileN != 64 || spec.tileK != 32)
    fail("gemm {}: only 64 x 64 x 32 tiles are implemented", name);
  if (spec.k % spec.tileK != 0)
    fail("gemm {}: K = {} is not a multiple of the tile {}", name, spec.k, spec.tileK);
  constexpr int64_t kThreads = 128, kTile = 64, kStep = 32, kPitch = kStep + 8;
  std::vector<std::string> parameters = {"params", "x", "weight"};
  if (spec.bias)
    parameters.push_back("bias");
  if (spec.residual)
    parameters.push_back("residual");
  parameters.push_back("out");
  KernelWriter w(name, parameters, kThreads);
  w.awaitPreviousGrids();
  const std::string half = spec.weightType;
  // The operand registers of mma.sync: two 16-bit values per 32-bit register.
  const std::string fragment = half == "bf16" ? "i32" : "vector<2xf16>";

  StepParams step = loadStepParams(w);
  Value rows = spec.rows == RowSet::Tokens ? w.mul(step.batch, step.tokens) : step.batch;
  Value thread = w.threadId();
  Value lane = w.remu(thread, w.index(32));
  Value warp = w.divu(thread, w.index(32));
  Value group = w.divu(lane, w.index(4));  // row (A, C) or column (B) within a fragment
  Value quad = w.remu(lane, w.index(4));   // pair of K (A, B) or of columns (C)
  Value warpRow = w.mul(w.divu(warp, w.index(2)), w.index(32));
  Value warpColumn = w.mul(w.remu(warp, w.index(2)), w.index(32));
  Value firstRow = w.mul(w.blockId('y'), w.index(kTile));
  Value firstColumn = w.mul(w.blockId('x'), w.index(kTile));
  Value kValue = w.index(spec.k);
  Value lastRow = w.sub(rows, w.index(1));
  Value lastColumn = w.index(spec.n - 1);

  Value tileA = w.sharedArray(half, kTile * kPitch);
  Value tileB = w.sharedArray(half, kTile * kPitch);

  // Each thread's pieces of a K step: of x, 64 rows x 32 floats = 512 vectors of
  // 4 (four per thread); of W, 64 rows x 32 16-bit values = 256 vectors of 8 (two).
  struct Piece {
    Value tileOffset, rowOffset, column, inside;
  };
  std::vector<Piece> xPieces, wPieces;
  for (int64_t i = 0; i < 4; ++i) {
    Value item = w.add(thread, w.index(i * kThreads));
    Value r = w.divu(item, w.index(8));
    Value c = w.mul(w.remu(item, w.index(8)), w.index(4));
    Value row = w.add(firstRow, r);
    xPieces.push_back({w.add(w.mul(r, w.index(kPitch)), c), w.mul(w.minu(row, lastRow), kValue),
                       c, w.cmp("ult", row, rows)});
  }
  for (int64_t i = 0; i < 2; ++i) {
    Value item = w.add(thread, w.index(i * kThreads));
    Value r = w.divu(item, w.index(4));
    Value c = w.mul(w.remu(item, w.index(4)), w.index(8));
    Value column = w.minu(w.add(firstColumn, r), lastColumn);
    wPieces.push_back({w.add(w.mul(r, w.index(kPitch)), c), w.mul(column, kValue), c, {}});
  }
  const std::string xVector = kVec4, wVector = vectorOf(8, half);
  // The global loads of the step at k0, into registers (nothing uses them yet:
  // x is masked and rounded when it is staged).
  auto loadStep = [&](const Value &k0) {
    std::vector<Value> loaded;
    for (const Piece &piece : xPieces) {
      Value source = w.add(piece.rowOffset, w.add(k0, piece.column));
      loaded.push_back(w.load(w.gep(w.param("x"), source, "f32"), xVector, 1, 16));
    }
    for (const Piece &piece : wPieces)
      loaded.push_back(w.load(
          w.gep(w.param("weight"), w.add(piece.rowOffset, w.add(k0, piece.column)), half),
          wVector, 1, 16));
    return loaded;
  };

  // Software pipelining by registers: the loads of step k0 + 32 are issued
  // before the tensor-core work on step k0 (staged in shared memory), so their
  // latency hides behind it.
  std::vector<Value> carried(32, w.f32(0.0));
  std::vector<std::string> carriedTypes(32, "f32");
  for (const Value &value : loadStep(w.index(0)))
    carried.push_back(value);
  for (std::size_t i = 0; i < xPieces.size(); ++i)
    carriedTypes.push_back(xVector);
  for (std::size_t i = 0; i < wPieces.size(); ++i)
    carriedTypes.push_back(wVector);
  auto kLoop = w.beginFor(w.index(0), kValue, w.index(kStep), carried, carriedTypes);
  Value k0 = kLoop.inductionVariable;
  Value zeroVector = w.splat(w.f32(0.0), xVector);
  for (std::size_t i = 0; i < xPieces.size(); ++i) {
    Value values = w.select(xPieces[i].inside, kLoop.iterArgs[32 + i], zeroVector, xVector);
    w.store(w.convert(values, xVector, vectorOf(4, half)),
            w.gep(tileA, xPieces[i].tileOffset, half, 3), vectorOf(4, half), 3, 8);
  }
  for (std::size_t i = 0; i < wPieces.size(); ++i)
    w.store(kLoop.iterArgs[32 + xPieces.size() + i], w.gep(tileB, wPieces[i].tileOffset, half, 3),
            wVector, 3, 16);
  // The last step loads its own K again (in bounds; unused).
  std::vector<Value> next = loadStep(w.minu(w.add(k0, w.index(kStep)), w.index(spec.k - kStep)));
  w.barrier();
  std::vector<Value> accumulators(kLoop.iterArgs.begin(), kLoop.iterArgs.begin() + 32);
  const std::string mmaAttributes = fmt::format(
      "{{layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, "
      "multiplicandAPtxType = #nvvm.mma_type<{0}>, multiplicandBPtxType = #nvvm.mma_type<{0}>, "
      "shape = #nvvm.shape<m = 16, n = 8, k = 16>}}",
      half);
  auto fragmentAt = [&](const Value &tile, const Value &row, const Value &column) {
    return w.load(w.gep(tile, w.add(w.mul(row, w.index(kPitch)), column), half, 3), fragment, 3,
                  4);
  };
  for (int64_t kk = 0; kk < kStep; kk += 16) {
    Value k = w.add(w.index(kk), w.mul(quad, w.index(2)));
    Value kHigh = w.add(k, w.index(8));
    std::vector<std::vector<Value>> a(2), b(4);
    for (int64_t mi = 0; mi < 2; ++mi) {
      Value row = w.add(w.add(warpRow, w.index(mi * 16)), group);
      Value rowHigh = w.add(row, w.index(8));
      a[mi] = {fragmentAt(tileA, row, k), fragmentAt(tileA, rowHigh, k),
               fragmentAt(tileA, row, kHigh), fragmentAt(tileA, rowHigh, kHigh)};
    }
    for (int64_t ni = 0; ni < 4; ++ni) {
      Value column = w.add(w.add(warpColumn, w.index(ni * 8)), group);
      b[ni] = {fragmentAt(tileB, column, k), fragmentAt(tileB, column, kHigh)};
    }
    for (int64_t mi = 0; mi < 2; ++mi)
      for (int64_t ni = 0; ni < 4; ++ni) {
        Value *c = &accumulators[(mi * 4 + ni) * 4];
        Value d = w.op(fmt::format(
            "nvvm.mma.sync A[{}, {}, {}, {}] B[{}, {}] C[{}, {}, {}, {}] {} : ({}, {}, f32) -> "
            "!llvm.struct<(f32, f32, f32, f32)>",
            a[mi][0], a[mi][1], a[mi][2], a[mi][3], b[ni][0], b[ni][1], c[0], c[1], c[2], c[3],
            mmaAttributes, fragment, fragment));
        for (int64_t e = 0; e < 4; ++e)
          c[e] = w.op(fmt::format("llvm.extractvalue {}[{}] : !llvm.struct<(f32, f32, f32, f32)>",
                                  d, e));
      }
  }
  w.barrier(); // the tiles are overwritten by the next step
  std::vector<Value> yielded = accumulators;
  yielded.insert(yielded.end(), next.begin(), next.end());
  std::vector<Value> results = w.endFor(yielded);

  // Epilogue: c0, c1 at (group, 2 quad + {0, 1}), c2, c3 eight rows below.
  int64_t outStride = spec.outRowStride ? spec.outRowStride : spec.n;
  for (int64_t mi = 0; mi < 2; ++mi)
    for (int64_t ni = 0; ni < 4; ++ni)
      for (int64_t e = 0; e < 4; ++e) {
        Value row = w.add(w.add(w.add(firstRow, warpRow), w.index(mi * 16 + (e >= 2 ? 8 : 0))),
                          group);
        Value column = w.add(w.add(w.add(firstColumn, warpColumn), w.index(ni * 8 + (e & 1))),
                             w.mul(quad, w.index(2)));
        Value inside = w.op("arith.andi " + w.cmp("ult", row, rows) + ", " +
                            w.cmp("ult", column, w.index(spec.n)) + " : i1");
        w.beginIf(inside);
        Value result = results[(mi * 4 + ni) * 4 + e];
        if (spec.bias)
          result = w.fadd(result, w.load(w.gep(w.param("bias"), column, "f32"), "f32"));
        if (spec.gelu)
          result = w.gelu(result);
        if (spec.residual)
          result = w.fadd(result,
                          w.load(w.gep(w.param("residual"),
                                       w.add(w.mul(row, w.index(spec.n)), column), "f32"),
                                 "f32"));
        w.store(result, w.gep(w.param("out"), w.add(w.mul(row, w.index(outStride)), column), "f32"),
                "f32");
        w.endIf();
      }
  return {name, w.finish(), w.globals(), kThreads};
}

} // namespace gpt2c::ptx
