// Matrix products on tensor cores (prefill, score): a block computes a tileM x
// tileN tile of out = x W^T with warps of warpM x warpN, each as (warpM / 16) x
// (warpN / 8) mma.sync m16n8k16 tiles accumulating in float32 registers. Per step
// of 32 along K the block stages x (float32, rounded to 16 bits on the way) and
// W (16-bit [N][K] rows, 16-byte loads) in one of two shared-memory buffers, from
// which ldmatrix fills the operands; the global loads of the next step are in
// flight while the tensor cores work on this one, and the two buffers leave one
// barrier per step. Rows are padded by 8 elements so that the 8 row addresses of
// an ldmatrix phase fall in different banks.
#include "TensorCore.h"
#include "gpt2c/codegen/ptx/Kernels.h"

#include "gpt2c/support/Error.h"

#include <vector>

namespace gpt2c::ptx {

namespace {

constexpr int64_t kStep = 32, kPitch = kStep + 8;

} // namespace

KernelSource gemmKernel(const std::string &name, const GemmSpec &spec) {
  if (spec.weightType != "bf16" && spec.weightType != "f16")
    fail("gemm {}: tensor-core products take bf16 or f16 weights, not {}", name, spec.weightType);
  const int64_t warpM = spec.warpM, warpN = spec.warpN;
  if (warpM % 16 != 0 || warpM < 16 || warpM > 64 || warpN % 16 != 0 || warpN < 16 || warpN > 64)
    fail("gemm {}: a warp tile of {} x {} is not 16 to 64 by 16 to 64 in steps of 16", name,
         warpM, warpN);
  if (spec.tileM % warpM != 0 || spec.tileN % warpN != 0 || spec.tileK != kStep ||
      spec.tileM > 128 || spec.tileN > 128 || (spec.tileM / warpM) * (spec.tileN / warpN) > 16)
    fail("gemm {}: a {} x {} x {} tile is not at most 16 warps of {} x {} (at most 128 x 128) "
         "stepping 32 along K",
         name, spec.tileM, spec.tileN, spec.tileK, warpM, warpN);
  if (spec.k % kStep != 0)
    fail("gemm {}: K = {} is not a multiple of the tile {}", name, spec.k, kStep);
  const int64_t warpsN = spec.tileN / warpN, mTiles = warpM / 16, nTiles = warpN / 8;
  const int64_t threads = 32 * (spec.tileM / warpM) * warpsN;
  const int64_t xVectors = spec.tileM * kStep / 4, wVectors = spec.tileN * kStep / 8;
  if (xVectors % threads != 0 || wVectors % threads != 0)
    fail("gemm {}: a {} x {} tile does not stage evenly over {} threads", name, spec.tileM,
         spec.tileN, threads);
  std::vector<std::string> parameters = {"params", "x", "weight"};
  if (spec.bias)
    parameters.push_back("bias");
  if (spec.residual)
    parameters.push_back("residual");
  parameters.push_back("out");
  KernelWriter w(name, parameters, threads);
  w.awaitPreviousGrids();
  const std::string half = spec.weightType;

  StepParams step = loadStepParams(w);
  Value rows = spec.rows == RowSet::Tokens ? w.mul(step.batch, step.tokens) : step.batch;
  Value thread = w.threadId();
  Value lane = w.remu(thread, w.index(32));
  Value warp = w.divu(thread, w.index(32));
  Value group = w.divu(lane, w.index(4)); // row (A, C) or column (B) within a fragment
  Value quad = w.remu(lane, w.index(4));  // pair of K (A, B) or of columns (C)
  Value warpRow = w.mul(w.divu(warp, w.index(warpsN)), w.index(warpM));
  Value warpColumn = w.mul(w.remu(warp, w.index(warpsN)), w.index(warpN));
  Value firstRow = w.mul(w.blockId('y'), w.index(spec.tileM));
  Value firstColumn = w.mul(w.blockId('x'), w.index(spec.tileN));
  Value kValue = w.index(spec.k);
  Value lastRow = w.sub(rows, w.index(1));
  Value lastColumn = w.index(spec.n - 1);

  // Two buffers of each operand tile, one after the other.
  const int64_t aSize = spec.tileM * kPitch, bSize = spec.tileN * kPitch;
  Value tileA = w.sharedArray(half, 2 * aSize);
  Value tileB = w.sharedArray(half, 2 * bSize);

  // Each thread's pieces of a K step: of x, 4 floats; of W, 8 16-bit values.
  struct Piece {
    Value tileOffset, rowOffset, column, inside;
  };
  std::vector<Piece> xPieces, wPieces;
  for (int64_t i = 0; i < xVectors / threads; ++i) {
    Value item = w.add(thread, w.index(i * threads));
    Value r = w.divu(item, w.index(kStep / 4));
    Value c = w.mul(w.remu(item, w.index(kStep / 4)), w.index(4));
    Value row = w.add(firstRow, r);
    xPieces.push_back({w.add(w.mul(r, w.index(kPitch)), c), w.mul(w.minu(row, lastRow), kValue), c,
                       w.cmp("ult", row, rows)});
  }
  for (int64_t i = 0; i < wVectors / threads; ++i) {
    Value item = w.add(thread, w.index(i * threads));
    Value r = w.divu(item, w.index(kStep / 8));
    Value c = w.mul(w.remu(item, w.index(kStep / 8)), w.index(8));
    Value column = w.minu(w.add(firstColumn, r), lastColumn);
    wPieces.push_back({w.add(w.mul(r, w.index(kPitch)), c), w.mul(column, kValue), c, {}});
  }
  const std::string xVector = kVec4, wVector = vectorOf(8, half);
  // The global loads of the step at k0, into registers (x is masked and rounded
  // when it is staged).
  auto loadStep = [&](const Value &k0) {
    std::vector<Value> loaded;
    for (const Piece &piece : xPieces) {
      Value source = w.add(piece.rowOffset, w.add(k0, piece.column));
      loaded.push_back(w.load(w.gep(w.param("x"), source, "f32"), xVector, 1, 16));
    }
    for (const Piece &piece : wPieces)
      loaded.push_back(
          w.load(w.gep(w.param("weight"), w.add(piece.rowOffset, w.add(k0, piece.column)), half),
                 wVector, 1, 16));
    return loaded;
  };

  const std::size_t accumulatorCount = std::size_t(mTiles * nTiles * 4);
  std::vector<Value> carried(accumulatorCount, w.f32(0.0));
  std::vector<std::string> carriedTypes(accumulatorCount, "f32");
  for (const Value &value : loadStep(w.index(0)))
    carried.push_back(value);
  carriedTypes.insert(carriedTypes.end(), xPieces.size(), xVector);
  carriedTypes.insert(carriedTypes.end(), wPieces.size(), wVector);
  auto kLoop = w.beginFor(w.index(0), kValue, w.index(kStep), carried, carriedTypes);
  Value k0 = kLoop.inductionVariable;
  // This step's buffer: the two alternate, so that the stores of a step never
  // meet the fragment loads of the one before it (one barrier per step).
  Value odd = w.remu(w.divu(k0, w.index(kStep)), w.index(2));
  Value bufferA = w.mul(odd, w.index(aSize)), bufferB = w.mul(odd, w.index(bSize));
  Value zeroVector = w.splat(w.f32(0.0), xVector);
  for (std::size_t i = 0; i < xPieces.size(); ++i) {
    Value values =
        w.select(xPieces[i].inside, kLoop.iterArgs[accumulatorCount + i], zeroVector, xVector);
    w.store(w.convert(values, xVector, vectorOf(4, half)),
            w.gep(tileA, w.add(bufferA, xPieces[i].tileOffset), half, 3), vectorOf(4, half), 3, 8);
  }
  for (std::size_t i = 0; i < wPieces.size(); ++i)
    w.store(kLoop.iterArgs[accumulatorCount + xPieces.size() + i],
            w.gep(tileB, w.add(bufferB, wPieces[i].tileOffset), half, 3), wVector, 3, 16);
  // The last step loads its own K again (in bounds; unused).
  std::vector<Value> next = loadStep(w.minu(w.add(k0, w.index(kStep)), w.index(spec.k - kStep)));
  w.barrier();

  // ldmatrix addresses: a lane gives row (lane % 8) + 8 ((lane / 8) % 2) at K
  // offset 8 (lane / 16) of a 16 x 16 piece of x (a0..a3); of W, row
  // (lane % 8) + 8 (lane / 16) at K offset 8 ((lane / 8) % 2), which gives b0,
  // b1 of two adjacent 8-column tiles.
  Value laneRow = w.remu(lane, w.index(8));
  Value laneMatrix = w.divu(lane, w.index(8));
  Value low = w.remu(laneMatrix, w.index(2)), high = w.divu(laneMatrix, w.index(2));
  Value aLane =
      w.add(w.mul(w.add(w.add(warpRow, laneRow), w.mul(low, w.index(8))), w.index(kPitch)),
            w.mul(high, w.index(8)));
  Value bLane =
      w.add(w.mul(w.add(w.add(warpColumn, laneRow), w.mul(high, w.index(8))), w.index(kPitch)),
            w.mul(low, w.index(8)));
  std::vector<Value> accumulators(kLoop.iterArgs.begin(),
                                  kLoop.iterArgs.begin() + std::ptrdiff_t(accumulatorCount));
  for (int64_t kk = 0; kk < kStep; kk += 16) {
    std::vector<std::array<Value, 4>> a(static_cast<std::size_t>(mTiles));
    std::vector<std::array<Value, 2>> b(static_cast<std::size_t>(nTiles));
    for (int64_t mi = 0; mi < mTiles; ++mi) {
      Value at = w.add(bufferA, w.add(aLane, w.index(mi * 16 * kPitch + kk)));
      std::vector<Value> loaded = loadMatrices(w, half, w.gep(tileA, at, half, 3), 4, false);
      a[mi] = {loaded[0], loaded[1], loaded[2], loaded[3]};
    }
    for (int64_t pair = 0; pair < nTiles / 2; ++pair) {
      Value at = w.add(bufferB, w.add(bLane, w.index(pair * 16 * kPitch + kk)));
      std::vector<Value> loaded = loadMatrices(w, half, w.gep(tileB, at, half, 3), 4, false);
      b[2 * pair] = {loaded[0], loaded[1]};
      b[2 * pair + 1] = {loaded[2], loaded[3]};
    }
    for (int64_t mi = 0; mi < mTiles; ++mi)
      for (int64_t ni = 0; ni < nTiles; ++ni) {
        Value *c = &accumulators[std::size_t((mi * nTiles + ni) * 4)];
        std::array<Value, 4> d = mmaSync(w, half, a[mi], b[ni], {c[0], c[1], c[2], c[3]});
        std::copy(d.begin(), d.end(), c);
      }
  }
  std::vector<Value> yielded = accumulators;
  yielded.insert(yielded.end(), next.begin(), next.end());
  std::vector<Value> results = w.endFor(yielded);

  // Epilogue: c0, c1 at (group, 2 quad + {0, 1}), c2, c3 eight rows below.
  int64_t outStride = spec.outRowStride ? spec.outRowStride : spec.n;
  for (int64_t mi = 0; mi < mTiles; ++mi)
    for (int64_t ni = 0; ni < nTiles; ++ni)
      for (int64_t e = 0; e < 4; ++e) {
        Value row =
            w.add(w.add(w.add(firstRow, warpRow), w.index(mi * 16 + (e >= 2 ? 8 : 0))), group);
        Value column = w.add(w.add(w.add(firstColumn, warpColumn), w.index(ni * 8 + (e & 1))),
                             w.mul(quad, w.index(2)));
        Value inside = w.op("arith.andi " + w.cmp("ult", row, rows) + ", " +
                            w.cmp("ult", column, w.index(spec.n)) + " : i1");
        w.beginIf(inside);
        Value result = results[std::size_t((mi * nTiles + ni) * 4 + e)];
        if (spec.bias)
          result = w.fadd(result, w.load(w.gep(w.param("bias"), column, "f32"), "f32"));
        if (spec.gelu)
          result = w.gelu(result);
        if (spec.residual)
          result = w.fadd(result, w.load(w.gep(w.param("residual"),
                                               w.add(w.mul(row, w.index(spec.n)), column), "f32"),
                                         "f32"));
        w.store(result, w.gep(w.param("out"), w.add(w.mul(row, w.index(outStride)), column), "f32"),
                "f32");
        w.endIf();
      }
  return {name, w.finish(), w.globals(), threads};
}

} // namespace gpt2c::ptx
