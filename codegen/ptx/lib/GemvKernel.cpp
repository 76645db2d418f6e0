// Matrix-vector products (decode): one row of x per block row (grid.y), each warp
// streaming `columnsPerWarp` weight rows of [N][K] with 16-byte vector loads,
// several independent rows in flight, reduced by warp shuffles. The layer norm of
// x (when fused) is computed by every block into shared memory: K floats, far
// cheaper than a separate launch and a round trip through global memory.
#include "KernelCommon.h"
#include "gpt2c/codegen/ptx/Kernels.h"

#include "gpt2c/support/Error.h"

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
  Value blockStep = w.index(blockSize);
  Value zero = w.f32(0.0);

  // x (normalised when fused) into shared memory.
  Value xs = w.sharedArray("f32", spec.k);
  Value xBase = w.mul(row, kValue);
  auto load = w.beginFor(thread, kValue, blockStep, {zero}, {"f32"});
  Value xk = w.load(w.gep(w.param("x"), w.add(xBase, load.inductionVariable), "f32"), "f32");
  w.store(xk, w.gep(xs, load.inductionVariable, "f32", 3), "f32", 3);
  Value sum = w.endFor({w.fadd(load.iterArgs[0], xk)})[0];
  if (spec.norm) {
    Value mean = w.fdiv(w.blockSum(sum), w.f32(double(spec.k)));
    auto var = w.beginFor(thread, kValue, blockStep, {zero}, {"f32"});
    Value centred = w.fsub(w.load(w.gep(xs, var.inductionVariable, "f32", 3), "f32", 3), mean);
    Value squares = w.endFor({w.fma(centred, centred, var.iterArgs[0])})[0];
    Value variance = w.fdiv(w.blockSum(squares), w.f32(double(spec.k)));
    Value rstd = w.fdiv(w.f32(1.0), w.sqrt(w.fadd(variance, w.f32(spec.epsilon))));
    auto norm = w.beginFor(thread, kValue, blockStep);
    Value k = norm.inductionVariable;
    Value slot = w.gep(xs, k, "f32", 3);
    Value normed = w.fmul(w.fsub(w.load(slot, "f32", 3), mean), rstd);
    Value gamma = w.load(w.gep(w.param("gamma"), k, "f32"), "f32");
    Value beta = w.load(w.gep(w.param("beta"), k, "f32"), "f32");
    w.store(w.fma(normed, gamma, beta), slot, "f32", 3);
    w.endFor();
  }
  w.barrier();

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
  auto dot = w.beginFor(lane, w.index(spec.k / lanes), w.index(32), initial, types);
  Value offset = w.mul(dot.inductionVariable, w.index(lanes));
  Value xv = w.load(w.gep(xs, offset, "f32", 3), wideType, 3, 16);
  std::vector<Value> weights, next;
  for (int64_t c = 0; c < spec.columnsPerWarp; ++c) // all loads first: in flight together
    weights.push_back(w.load(w.gep(w.param("weight"), w.add(rowBases[c], offset), spec.weightType),
                             storedType, 1, 16));
  for (int64_t c = 0; c < spec.columnsPerWarp; ++c)
    next.push_back(w.fma(w.convert(weights[c], storedType, wideType), xv, dot.iterArgs[c],
                         wideType));
  std::vector<Value> sums = w.endFor(next);

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
