// Matrix-vector products (decode): one row of x per block row (grid.y), each warp
// streaming `columnsPerWarp` weight rows of [N][K] with 16-byte vector loads,
// several independent rows in flight, reduced by warp shuffles. The layer norm of
// x (when fused) is computed by every block into shared memory: K floats, far
// cheaper than a separate launch and a round trip through global memory.
#include "KernelCommon.h"
#include "gpt2c/codegen/ptx/Kernels.h"

#include "gpt2c/support/Error.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace gpt2c::ptx {

namespace {

// Column `column` of the QKV row `row` (sequence b = row / T, token t = row % T):
// keys and values go to cache[b][h][P + t][d].
void storeIntoCache(KernelWriter &w, const GemvSpec &spec, const Value &row, const Value &column,
                    const Value &result) {
  int64_t width = spec.heads * spec.headDim;
  StepParams step = loadStepParams(w);
  Value sequence = w.divu(row, step.tokens);
  Value position = w.add(step.past, w.remu(row, step.tokens));
  for (int which = 1; which <= 2; ++which) {
    Value lower = w.index(which * width);
    Value inside = w.op("arith.andi " + w.cmp("uge", column, lower) + ", " +
                        w.cmp("ult", column, w.index((which + 1) * width)) + " : i1");
    w.beginIf(inside);
    Value e = w.sub(column, lower);
    Value head = w.divu(e, w.index(spec.headDim));
    Value slot = w.add(w.mul(sequence, w.index(spec.heads)), head);
    Value offset = w.add(w.mul(w.add(w.mul(slot, w.index(spec.capacity)), position),
                               w.index(spec.headDim)),
                         w.remu(e, w.index(spec.headDim)));
    w.store(result, w.gep(w.param(which == 1 ? "keys" : "values"), offset, "f32"), "f32");
    w.endIf();
  }
}

} // namespace

KernelSource gemvKernel(const std::string &name, const GemvSpec &spec) {
  int64_t lanes = 16 / elementBytes(spec.weightType); // elements per 16-byte load
  if (spec.k % lanes != 0)
    fail("gemv {}: K = {} is not a multiple of {}", name, spec.k, lanes);
  int64_t blockSize = spec.warps * 32;
  std::vector<std::string> parameters = {"params", "x", "weight"};
  if (spec.bias)
    parameters.push_back("bias");
  if (spec.norm) {
    parameters.push_back("gamma");
    parameters.push_back("beta");
  }
  if (spec.residual)
    parameters.push_back("residual");
  parameters.push_back("out");
  if (spec.writeCache) {
    parameters.push_back("keys");
    parameters.push_back("values");
  }
  KernelWriter w(name, parameters, blockSize);

  const std::string wideType = vectorOf(lanes, "f32");
  const std::string storedType = vectorOf(lanes, spec.weightType);
  Value row = w.blockId('y');
  Value thread = w.threadId();
  Value kValue = w.index(spec.k);
  Value zero = w.f32(0.0);

  // The warp's columns; columns past N read row N - 1 and store nothing.
  Value lane = w.remu(thread, w.index(32));
  Value warp = w.divu(thread, w.index(32));
  Value firstColumn = w.mul(w.add(w.mul(w.blockId(), w.index(spec.warps)), warp),
                            w.index(spec.columnsPerWarp));
  Value lastColumn = w.index(spec.n - 1);
  std::vector<Value> columns, rowBases, initial;
  std::vector<std::string> types;
  for (int64_t c = 0; c < spec.columnsPerWarp; ++c) {
    Value column = w.add(firstColumn, w.index(c));
    columns.push_back(column);
    rowBases.push_back(w.mul(w.minu(column, lastColumn), kValue));
    initial.push_back(w.splat(zero, wideType));
    types.push_back(wideType);
  }
  // The warp's weight rows start streaming into L2 (lane c asks for column c's
  // row) while the launches before this one finish.
  int64_t rowBytes = spec.k * elementBytes(spec.weightType);
  for (int64_t c = 0; c < spec.columnsPerWarp; ++c) {
    w.beginIf(w.cmp("eq", lane, w.index(c)));
    w.prefetchToL2(w.gep(w.param("weight"), rowBases[c], spec.weightType), rowBytes);
    w.endIf();
  }
  w.awaitPreviousGrids();

  // x (normalised when fused) into shared memory. Every thread issues all its
  // loads of x (and of the norm's scale and shift) at once, 16 bytes each: a
  // loop of dependent loads would pay the L2 latency once per stride.
  Value xs = w.sharedArray("f32", spec.k);
  Value xBase = w.mul(row, kValue);
  const int64_t pieces = spec.k / 4, strides = (pieces + blockSize - 1) / blockSize;
  Value lastPiece = w.index(pieces - 1);
  std::vector<Value> pieceOf, validPiece, xv, gammas, betas;
  for (int64_t i = 0; i < strides; ++i) {
    Value piece = w.add(thread, w.index(i * blockSize));
    validPiece.push_back(w.cmp("ult", piece, w.index(pieces)));
    Value offset = w.mul(w.minu(piece, lastPiece), w.index(4));
    pieceOf.push_back(offset);
    xv.push_back(w.load(w.gep(w.param("x"), w.add(xBase, offset), "f32"), kVec4, 1, 16));
    if (spec.norm) {
      gammas.push_back(w.load(w.gep(w.param("gamma"), offset, "f32"), kVec4, 1, 16));
      betas.push_back(w.load(w.gep(w.param("beta"), offset, "f32"), kVec4, 1, 16));
    }
  }
  // Sums over this thread's valid pieces of f(piece).
  auto sumOver = [&](const std::function<Value(std::size_t)> &of) {
    Value total = zero;
    for (std::size_t i = 0; i < xv.size(); ++i)
      total = w.fadd(total, w.select(validPiece[i], w.reduceAdd(of(i), kVec4), zero, "f32"));
    return total;
  };
  std::vector<Value> stored = xv;
  if (spec.norm) {
    Value mean = w.fdiv(w.blockSum(sumOver([&](std::size_t i) { return xv[i]; })),
                        w.f32(double(spec.k)));
    Value meanVector = w.splat(mean, kVec4);
    std::vector<Value> centred;
    for (const Value &v : xv)
      centred.push_back(w.fsub(v, meanVector, kVec4));
    Value squares =
        sumOver([&](std::size_t i) { return w.fmul(centred[i], centred[i], kVec4); });
    Value variance = w.fdiv(w.blockSum(squares), w.f32(double(spec.k)));
    Value rstd = w.splat(w.fdiv(w.f32(1.0), w.sqrt(w.fadd(variance, w.f32(spec.epsilon)))),
                         kVec4);
    for (std::size_t i = 0; i < xv.size(); ++i)
      stored[i] = w.fma(w.fmul(centred[i], rstd, kVec4), gammas[i], betas[i], kVec4);
  }
  for (std::size_t i = 0; i < xv.size(); ++i) {
    bool partial = int64_t(i + 1) * blockSize > pieces;
    if (partial)
      w.beginIf(validPiece[i]);
    w.store(stored[i], w.gep(xs, pieceOf[i], "f32", 3), kVec4, 3, 16);
    if (partial)
      w.endIf();
  }
  w.barrier();

  // Each step: every column's loads of `unroll` consecutive 32-lane strides are
  // issued before any is used (2 x 4 loads of 16 bytes in flight per lane), then
  // single strides for what remains.
  const int64_t vectors = spec.k / lanes;
  const int64_t unroll = std::min<int64_t>(4, vectors / 32);
  const int64_t grouped = unroll ? vectors / (32 * unroll) * (32 * unroll) : 0;
  auto step = [&](const std::vector<Value> &offsets, const std::vector<Value> &partial) {
    std::vector<Value> xv, weights, next = partial;
    for (const Value &offset : offsets) {
      xv.push_back(w.load(w.gep(xs, offset, "f32", 3), wideType, 3, 16));
      for (int64_t c = 0; c < spec.columnsPerWarp; ++c)
        weights.push_back(w.load(
            w.gep(w.param("weight"), w.add(rowBases[c], offset), spec.weightType), storedType, 1,
            16));
    }
    for (std::size_t u = 0; u < offsets.size(); ++u)
      for (int64_t c = 0; c < spec.columnsPerWarp; ++c)
        next[c] = w.fma(w.convert(weights[u * spec.columnsPerWarp + c], storedType, wideType),
                        xv[u], next[c], wideType);
    return next;
  };
  std::vector<Value> sums = initial;
  if (grouped) {
    auto groups = w.beginFor(lane, w.index(grouped), w.index(32 * unroll), initial, types);
    std::vector<Value> offsets;
    for (int64_t u = 0; u < unroll; ++u)
      offsets.push_back(
          w.mul(w.add(groups.inductionVariable, w.index(32 * u)), w.index(lanes)));
    sums = w.endFor(step(offsets, groups.iterArgs));
  }
  if (grouped < vectors) {
    auto rest = w.beginFor(w.add(lane, w.index(grouped)), w.index(vectors), w.index(32), sums,
                           types);
    sums = w.endFor(step({w.mul(rest.inductionVariable, w.index(lanes))}, rest.iterArgs));
  }

  int64_t outStride = spec.outRowStride ? spec.outRowStride : spec.n;
  Value outBase = w.mul(row, w.index(outStride));
  Value residualBase = w.mul(row, w.index(spec.n));
  for (int64_t c = 0; c < spec.columnsPerWarp; ++c) {
    Value total = w.warpSum(w.reduceAdd(sums[c], wideType));
    Value inRange = w.cmp("ult", columns[c], w.index(spec.n));
    Value leader = w.cmp("eq", lane, w.index(0));
    w.beginIf(w.op("arith.andi " + inRange + ", " + leader + " : i1"));
    Value result = total;
    if (spec.bias)
      result = w.fadd(result, w.load(w.gep(w.param("bias"), columns[c], "f32"), "f32"));
    if (spec.gelu)
      result = w.gelu(result);
    if (spec.residual)
      result = w.fadd(result, w.load(w.gep(w.param("residual"), w.add(residualBase, columns[c]),
                                           "f32"),
                                     "f32"));
    w.store(result, w.gep(w.param("out"), w.add(outBase, columns[c]), "f32"), "f32");
    if (spec.writeCache)
      storeIntoCache(w, spec, row, columns[c], result);
    w.endIf();
  }
  return {name, w.finish(), w.globals(), blockSize};
}

} // namespace gpt2c::ptx
