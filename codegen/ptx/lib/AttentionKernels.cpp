// Attention over the KV caches [B][H][C][D], reading only the valid length.
// One query per sequence (decode): the keys are split in chunks, one block each
// (so that long contexts fill the GPU), each writing its softmax partial
// (unnormalised output, max, sum) for a second kernel to merge. Every new token
// (prefill): flash style, one query per thread, key and value tiles staged in
// shared memory and an online softmax, so no T x T score matrix exists.
#include "KernelCommon.h"
#include "gpt2c/codegen/ptx/Kernels.h"

#include "gpt2c/support/Error.h"

#include <limits>
#include <vector>

namespace gpt2c::ptx {

namespace {

constexpr const char *kVec4 = "vector<4xf32>";

void checkHeadDim(const std::string &name, const AttentionSpec &spec) {
  if (spec.headDim % 4 != 0 || spec.headDim > 1024)
    fail("attention {}: head dimension {} must be a multiple of 4 up to 1024", name, spec.headDim);
}

// The (sequence, head) pair of a block: grid.x runs over B x H.
struct BlockHead {
  Value sequenceHead, sequence, head;
};
BlockHead blockHead(KernelWriter &w, const AttentionSpec &spec) {
  Value sequenceHead = w.blockId('x');
  return {sequenceHead, w.divu(sequenceHead, w.index(spec.heads)),
          w.remu(sequenceHead, w.index(spec.heads))};
}

// Offset of row `position` of head `head` of sequence `sequence` in a cache.
Value cacheRow(KernelWriter &w, const AttentionSpec &spec, const Value &sequence,
               const Value &head, const Value &position) {
  Value slot = w.add(w.mul(sequence, w.index(spec.heads)), head);
  return w.mul(w.add(w.mul(slot, w.index(spec.capacity)), position), w.index(spec.headDim));
}

} // namespace

KernelSource attentionSplitKernel(const std::string &name, const AttentionSpec &spec) {
  checkHeadDim(name, spec);
  KernelWriter w(name, {"params", "qkv", "keys", "values", "partial"}, spec.chunk);
  StepParams step = loadStepParams(w);
  auto [sequenceHead, sequence, head] = blockHead(w, spec);
  Value split = w.blockId('y');
  Value one = w.index(1);
  Value queryRow = w.sub(w.mul(w.add(sequence, one), step.tokens), one);
  Value length = w.add(step.past, step.tokens); // keys [0, P + T)
  Value start = w.mul(split, w.index(spec.chunk));
  Value thread = w.threadId();
  Value probabilities = w.sharedArray("f32", spec.chunk);
  w.beginIf(w.cmp("ult", start, length)); // whole blocks past the length have no work
  Value key = w.add(start, thread);
  Value valid = w.cmp("ult", key, length);
  Value keyBase = cacheRow(w, spec, sequence, head, w.minu(key, w.sub(length, one)));
  Value queryBase = w.add(w.mul(queryRow, w.index(spec.qRowStride)),
                          w.mul(head, w.index(spec.headDim)));
  Value dot = w.splat(w.f32(0.0), kVec4);
  for (int64_t i = 0; i < spec.headDim; i += 4) {
    Value q = w.load(w.gep(w.param("qkv"), w.add(queryBase, w.index(i)), "f32"), kVec4, 1, 16);
    Value k = w.load(w.gep(w.param("keys"), w.add(keyBase, w.index(i)), "f32"), kVec4, 1, 16);
    dot = w.fma(q, k, dot, kVec4);
  }
  Value score = w.select(valid, w.fmul(w.reduceAdd(dot, kVec4), w.f32(spec.scale)),
                         w.f32(-std::numeric_limits<double>::infinity()), "f32");
  Value maximum = w.blockMax(score);
  Value p = w.select(valid, w.exp(w.fsub(score, maximum)), w.f32(0.0), "f32");
  Value sum = w.blockSum(p);
  w.store(p, w.gep(probabilities, thread, "f32", 3), "f32", 3);
  w.barrier();
  Value count = w.minu(w.index(spec.chunk), w.sub(length, start));
  Value valueBase = cacheRow(w, spec, sequence, head, start);
  Value partialBase = w.mul(w.add(w.mul(sequenceHead, w.index(spec.splits())), split),
                            w.index(spec.headDim + 2));
  auto dims = w.beginFor(thread, w.index(spec.headDim), w.index(spec.chunk));
  Value d = dims.inductionVariable;
  auto keys = w.beginFor(w.index(0), count, one, {w.f32(0.0)}, {"f32"});
  Value j = keys.inductionVariable;
  Value weight = w.load(w.gep(probabilities, j, "f32", 3), "f32", 3);
  Value v = w.load(w.gep(w.param("values"), w.add(w.add(valueBase, w.mul(j, w.index(spec.headDim))),
                                                 d),
                         "f32"),
                   "f32");
  Value output = w.endFor({w.fma(weight, v, keys.iterArgs[0])})[0];
  w.store(output, w.gep(w.param("partial"), w.add(partialBase, d), "f32"), "f32");
  w.endFor();
  w.beginIf(w.cmp("eq", thread, w.index(0)));
  w.store(maximum, w.gep(w.param("partial"), w.add(partialBase, w.index(spec.headDim)), "f32"),
          "f32");
  w.store(sum, w.gep(w.param("partial"), w.add(partialBase, w.index(spec.headDim + 1)), "f32"),
          "f32");
  w.endIf();
  w.endIf();
  return {name, w.finish(), w.globals(), spec.chunk};
}

KernelSource attentionCombineKernel(const std::string &name, const AttentionSpec &spec) {
  checkHeadDim(name, spec);
  KernelWriter w(name, {"params", "partial", "out"}, spec.headDim);
  StepParams step = loadStepParams(w);
  auto [sequenceHead, sequence, head] = blockHead(w, spec);
  Value d = w.threadId();
  Value one = w.index(1);
  Value length = w.add(step.past, step.tokens);
  Value used = w.divu(w.add(length, w.index(spec.chunk - 1)), w.index(spec.chunk));
  Value stride = w.index(spec.headDim + 2);
  Value base = w.mul(w.mul(sequenceHead, w.index(spec.splits())), stride);
  auto partialAt = [&](const Value &split, int64_t field) {
    return w.load(w.gep(w.param("partial"), w.add(w.add(base, w.mul(split, stride)), w.index(field)),
                        "f32"),
                  "f32");
  };
  auto maxLoop = w.beginFor(w.index(0), used, one, {w.f32(-1e30)}, {"f32"});
  Value maximum = w.endFor({w.fmax(maxLoop.iterArgs[0], partialAt(maxLoop.inductionVariable,
                                                                  spec.headDim))})[0];
  auto sumLoop = w.beginFor(w.index(0), used, one, {w.f32(0.0), w.f32(0.0)}, {"f32", "f32"});
  Value s = sumLoop.inductionVariable;
  Value factor = w.exp(w.fsub(partialAt(s, spec.headDim), maximum));
  Value denominator = w.fma(factor, partialAt(s, spec.headDim + 1), sumLoop.iterArgs[0]);
  Value offsetD = w.add(w.add(base, w.mul(s, stride)), d);
  Value numerator = w.fma(factor, w.load(w.gep(w.param("partial"), offsetD, "f32"), "f32"),
                          sumLoop.iterArgs[1]);
  std::vector<Value> totals = w.endFor({denominator, numerator});
  Value width = w.index(spec.heads * spec.headDim);
  Value target = w.add(w.add(w.mul(sequence, width), w.mul(head, w.index(spec.headDim))), d);
  w.store(w.fdiv(totals[1], totals[0]), w.gep(w.param("out"), target, "f32"), "f32");
  return {name, w.finish(), w.globals(), spec.headDim};
}

KernelSource attentionPrefillKernel(const std::string &name, const AttentionSpec &spec) {
  checkHeadDim(name, spec);
  const int64_t vectors = spec.headDim / 4;
  if ((spec.keyTile * vectors) % spec.blockQ != 0)
    fail("attention {}: a key tile of {} does not split over {} threads", name, spec.keyTile,
         spec.blockQ);
  KernelWriter w(name, {"params", "qkv", "keys", "values", "out"}, spec.blockQ);
  StepParams step = loadStepParams(w);
  auto [sequenceHead, sequence, head] = blockHead(w, spec);
  Value thread = w.threadId();
  Value one = w.index(1);
  Value firstQuery = w.mul(w.blockId('y'), w.index(spec.blockQ));
  Value query = w.add(firstQuery, thread);
  Value validQuery = w.cmp("ult", query, step.tokens);
  Value clampedQuery = w.minu(query, w.sub(step.tokens, one));
  Value position = w.add(step.past, clampedQuery);
  // Keys the block needs: up to its last valid query.
  Value blockEnd = w.add(step.past, w.minu(step.tokens, w.add(firstQuery, w.index(spec.blockQ))));
  Value queryBase = w.add(w.mul(w.add(w.mul(sequence, step.tokens), clampedQuery),
                                w.index(spec.qRowStride)),
                          w.mul(head, w.index(spec.headDim)));
  Value scale = w.splat(w.f32(spec.scale), kVec4);
  std::vector<Value> q;
  for (int64_t i = 0; i < vectors; ++i)
    q.push_back(w.fmul(w.load(w.gep(w.param("qkv"), w.add(queryBase, w.index(4 * i)), "f32"),
                              kVec4, 1, 16),
                       scale, kVec4));
  Value keyTile = w.sharedArray("f32", spec.keyTile * spec.headDim);
  Value valueTile = w.sharedArray("f32", spec.keyTile * spec.headDim);

  std::vector<Value> state = {w.f32(-1e30), w.f32(0.0)}; // running max and sum
  std::vector<std::string> types = {"f32", "f32"};
  for (int64_t i = 0; i < vectors; ++i) {
    state.push_back(w.splat(w.f32(0.0), kVec4));
    types.push_back(kVec4);
  }
  auto tiles = w.beginFor(w.index(0), blockEnd, w.index(spec.keyTile), state, types);
  Value tileStart = tiles.inductionVariable;
  for (int64_t i = 0; i < spec.keyTile * vectors / spec.blockQ; ++i) {
    Value item = w.add(thread, w.index(i * spec.blockQ));
    Value r = w.divu(item, w.index(vectors));
    Value c = w.mul(w.remu(item, w.index(vectors)), w.index(4));
    Value key = w.minu(w.add(tileStart, r), w.sub(blockEnd, one));
    Value from = w.add(cacheRow(w, spec, sequence, head, key), c);
    Value to = w.add(w.mul(r, w.index(spec.headDim)), c);
    w.store(w.load(w.gep(w.param("keys"), from, "f32"), kVec4, 1, 16),
            w.gep(keyTile, to, "f32", 3), kVec4, 3, 16);
    w.store(w.load(w.gep(w.param("values"), from, "f32"), kVec4, 1, 16),
            w.gep(valueTile, to, "f32", 3), kVec4, 3, 16);
  }
  w.barrier();
  auto keys = w.beginFor(w.index(0), w.index(spec.keyTile), one, tiles.iterArgs, types);
  Value j = keys.inductionVariable;
  Value row = w.mul(j, w.index(spec.headDim));
  Value dot = w.splat(w.f32(0.0), kVec4);
  for (int64_t i = 0; i < vectors; ++i)
    dot = w.fma(q[i], w.load(w.gep(keyTile, w.add(row, w.index(4 * i)), "f32", 3), kVec4, 3, 16),
                dot, kVec4);
  Value allowed = w.cmp("ule", w.add(tileStart, j), position); // causal, and inside the length
  Value score = w.select(allowed, w.reduceAdd(dot, kVec4),
                         w.f32(-std::numeric_limits<double>::infinity()), "f32");
  Value maximum = w.fmax(keys.iterArgs[0], score);
  Value correction = w.exp(w.fsub(keys.iterArgs[0], maximum));
  Value p = w.exp(w.fsub(score, maximum));
  std::vector<Value> next = {maximum, w.fma(keys.iterArgs[1], correction, p)};
  Value correctionVector = w.splat(correction, kVec4);
  Value pVector = w.splat(p, kVec4);
  for (int64_t i = 0; i < vectors; ++i) {
    Value v = w.load(w.gep(valueTile, w.add(row, w.index(4 * i)), "f32", 3), kVec4, 3, 16);
    next.push_back(w.fma(keys.iterArgs[2 + i], correctionVector, w.fmul(pVector, v, kVec4), kVec4));
  }
  std::vector<Value> updated = w.endFor(next);
  w.barrier(); // the tiles are overwritten by the next step
  std::vector<Value> final = w.endFor(updated);

  w.beginIf(validQuery);
  Value inverse = w.splat(w.fdiv(w.f32(1.0), final[1]), kVec4);
  Value width = w.index(spec.heads * spec.headDim);
  Value outBase = w.add(w.mul(w.add(w.mul(sequence, step.tokens), query), width),
                        w.mul(head, w.index(spec.headDim)));
  for (int64_t i = 0; i < vectors; ++i)
    w.store(w.fmul(final[2 + i], inverse, kVec4),
            w.gep(w.param("out"), w.add(outBase, w.index(4 * i)), "f32"), kVec4, 1, 16);
  w.endIf();
  return {name, w.finish(), w.globals(), spec.blockQ};
}

} // namespace gpt2c::ptx
