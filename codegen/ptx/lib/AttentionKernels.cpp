// Attention over the KV caches [B][H][C][D], reading only the valid length.
// One query per sequence (decode): the keys are split in chunks, one block each
// (so that long contexts fill the GPU), each writing its softmax partial
// (unnormalised output, max, sum); the last block to finish merges them. Every new token
// (prefill): flash style, a few threads per query each taking every few keys,
// key and value tiles staged in shared memory and an online softmax per thread,
// merged by shuffles at the end, so no T x T score matrix exists.
#include "AttentionCommon.h"
#include "gpt2c/codegen/ptx/Kernels.h"

#include "gpt2c/support/Error.h"

#include <fmt/format.h>

#include <limits>
#include <vector>

namespace gpt2c::ptx {

KernelSource attentionDecodeKernel(const std::string &name, const AttentionSpec &spec) {
  checkHeadDim(name, spec);
  if (spec.chunk % 8 != 0 || spec.chunk > 1024)
    fail("attention {}: a chunk of {} keys is not a multiple of 8 up to 1024", name, spec.chunk);
  KernelWriter w(name, {"params", "qkv", "keys", "values", "partial", "counters", "out"},
                 spec.chunk);
  w.awaitPreviousGrids();
  StepParams step = loadStepParams(w);
  auto [sequenceHead, sequence, head] = blockHead(w, spec);
  Value split = w.blockId('y');
  Value one = w.index(1);
  Value queryRow = w.sub(w.mul(w.add(sequence, one), step.tokens), one);
  Value length = w.add(step.past, step.tokens); // keys [0, P + T)
  Value used = w.divu(w.add(length, w.index(spec.chunk - 1)), w.index(spec.chunk));
  Value start = w.mul(split, w.index(spec.chunk));
  Value thread = w.threadId();
  Value probabilities = w.sharedArray("f32", spec.chunk);
  Value lastFlag = w.sharedArray("i32", 1);
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
  Value stride = w.index(spec.headDim + 2);
  Value headBase = w.mul(w.mul(sequenceHead, w.index(spec.splits())), stride);
  Value partialBase = w.add(headBase, w.mul(split, stride));
  // Values 8 keys at a time, their loads issued together (a loop of one load
  // and its use would wait for L2 once per key); keys past the count have
  // probability 0 and read the last valid row.
  constexpr int64_t kKeysInFlight = 8;
  Value lastKey = w.sub(count, one);
  Value single = w.cmp("eq", used, one);
  Value width = w.index(spec.heads * spec.headDim);
  Value headOut = w.add(w.mul(sequence, width), w.mul(head, w.index(spec.headDim)));
  auto dims = w.beginFor(thread, w.index(spec.headDim), w.index(spec.chunk));
  Value d = dims.inductionVariable;
  auto keys = w.beginFor(w.index(0), count, w.index(kKeysInFlight), {w.f32(0.0)}, {"f32"});
  std::vector<Value> weights, values;
  for (int64_t u = 0; u < kKeysInFlight; ++u) {
    Value j = w.add(keys.inductionVariable, w.index(u));
    weights.push_back(w.load(w.gep(probabilities, j, "f32", 3), "f32", 3));
    Value row = w.mul(w.minu(j, lastKey), w.index(spec.headDim));
    values.push_back(
        w.load(w.gep(w.param("values"), w.add(w.add(valueBase, row), d), "f32"), "f32"));
  }
  Value accumulated = keys.iterArgs[0];
  for (int64_t u = 0; u < kKeysInFlight; ++u)
    accumulated = w.fma(weights[u], values[u], accumulated);
  Value output = w.endFor({accumulated})[0];
  // One chunk (a context of at most `chunk` keys): this block is the only one and
  // writes the result itself; otherwise its partial, for the merge below.
  Value outAt = w.gep(w.param("out"), w.add(headOut, d), "f32");
  Value partialAt = w.gep(w.param("partial"), w.add(partialBase, d), "f32");
  w.store(w.select(single, w.fdiv(output, sum), output, "f32"),
          w.select(single, outAt, partialAt, "!llvm.ptr<1>"), "f32");
  w.endFor();
  Value isFirstThread = w.cmp("eq", thread, w.index(0));
  w.beginIf(w.cmp("ugt", used, one));
  w.beginIf(isFirstThread);
  w.store(maximum, w.gep(w.param("partial"), w.add(partialBase, w.index(spec.headDim)), "f32"),
          "f32");
  w.store(sum, w.gep(w.param("partial"), w.add(partialBase, w.index(spec.headDim + 1)), "f32"),
          "f32");
  w.endIf();

  // The block that finishes last merges the partials (the usual split-K
  // semaphore): each thread's partial stores are ordered before the count, the
  // count before the last block's reads of them. That block sets the counter back
  // to zero for the next launch (the counters start zeroed; LAUNCH_PLAN.md).
  w.fenceDevice();
  w.barrier();
  Value counter = w.gep(w.param("counters"), sequenceHead, "i32");
  w.beginIf(isFirstThread);
  Value before = w.atomicAdd(counter, w.i32(1));
  Value usedI32 = w.op(fmt::format("arith.index_cast {} : index to i32", w.sub(used, one)));
  Value isLast = w.op(fmt::format("arith.cmpi eq, {}, {} : i32", before, usedI32));
  w.store(w.op(fmt::format("arith.extui {} : i1 to i32", isLast)), lastFlag, "i32", 3);
  w.endIf();
  w.barrier();
  Value flag = w.load(lastFlag, "i32", 3);
  w.beginIf(w.op(fmt::format("arith.cmpi ne, {}, {} : i32", flag, w.i32(0))));
  w.fenceDevice();
  // A loop over the chunks per thread: for the few chunks of a decode context,
  // spreading them over the threads with block reductions measured slower (H200,
  // 8 chunks: 7.8 against 7.1 us).
  auto partialField = [&](const Value &chunk, int64_t offset) {
    return w.load(w.gep(w.param("partial"),
                        w.add(w.add(headBase, w.mul(chunk, stride)), w.index(offset)), "f32"),
                  "f32");
  };
  auto maxLoop = w.beginFor(w.index(0), used, one, {w.f32(-1e30)}, {"f32"});
  Value overall = w.endFor({w.fmax(maxLoop.iterArgs[0], partialField(maxLoop.inductionVariable,
                                                                     spec.headDim))})[0];
  auto merged = w.beginFor(thread, w.index(spec.headDim), w.index(spec.chunk));
  Value md = merged.inductionVariable;
  auto sumLoop = w.beginFor(w.index(0), used, one, {w.f32(0.0), w.f32(0.0)}, {"f32", "f32"});
  Value c = sumLoop.inductionVariable;
  Value factor = w.exp(w.fsub(partialField(c, spec.headDim), overall));
  Value denominator = w.fma(factor, partialField(c, spec.headDim + 1), sumLoop.iterArgs[0]);
  Value offsetD = w.add(w.add(headBase, w.mul(c, stride)), md);
  Value numerator = w.fma(factor, w.load(w.gep(w.param("partial"), offsetD, "f32"), "f32"),
                          sumLoop.iterArgs[1]);
  std::vector<Value> totals = w.endFor({denominator, numerator});
  w.store(w.fdiv(totals[1], totals[0]), w.gep(w.param("out"), w.add(headOut, md), "f32"), "f32");
  w.endFor();
  w.beginIf(isFirstThread);
  w.store(w.i32(0), counter, "i32");
  w.endIf();
  w.endIf();
  w.endIf();
  w.endIf();
  return {name, w.finish(), w.globals(), spec.chunk};
}

KernelSource attentionPrefillKernel(const std::string &name, const AttentionSpec &spec) {
  checkHeadDim(name, spec);
  const int64_t vectors = spec.headDim / 4;
  const int64_t split = spec.keySplit;
  const int64_t threads = spec.blockQ * split;
  if (split < 1 || split > 32 || (split & (split - 1)) != 0)
    fail("attention {}: a key split of {} is not a power of two up to 32", name, split);
  if (threads > 1024 || spec.keyTile % split != 0)
    fail("attention {}: a key tile of {} does not split over {} queries x {} threads", name,
         spec.keyTile, spec.blockQ, split);
  // Tile rows are padded by 4 floats: the `split` threads of a query read as many
  // different rows at one column, which then fall in different banks.
  const int64_t pitch = spec.headDim + 4;
  KernelWriter w(name, {"params", "qkv", "keys", "values", "out"}, threads);
  w.awaitPreviousGrids();
  StepParams step = loadStepParams(w);
  auto [sequenceHead, sequence, head] = blockHead(w, spec);
  Value thread = w.threadId();
  Value part = w.remu(thread, w.index(split)); // which keys of each tile: part, part + split...
  Value one = w.index(1);
  Value firstQuery = w.mul(w.blockId('y'), w.index(spec.blockQ));
  Value query = w.add(firstQuery, w.divu(thread, w.index(split)));
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
  Value keyTile = w.sharedArray("f32", spec.keyTile * pitch);
  Value valueTile = w.sharedArray("f32", spec.keyTile * pitch);

  std::vector<Value> state = {w.f32(-1e30), w.f32(0.0)}; // running max and sum
  std::vector<std::string> types = {"f32", "f32"};
  for (int64_t i = 0; i < vectors; ++i) {
    state.push_back(w.splat(w.f32(0.0), kVec4));
    types.push_back(kVec4);
  }
  auto tiles = w.beginFor(w.index(0), blockEnd, w.index(spec.keyTile), state, types);
  Value tileStart = tiles.inductionVariable;
  const int64_t items = spec.keyTile * vectors; // 4-float pieces of a tile
  for (int64_t i = 0; i * threads < items; ++i) {
    Value item = w.add(thread, w.index(i * threads));
    bool partial = (i + 1) * threads > items;
    if (partial)
      w.beginIf(w.cmp("ult", item, w.index(items)));
    Value r = w.divu(item, w.index(vectors));
    Value c = w.mul(w.remu(item, w.index(vectors)), w.index(4));
    Value key = w.minu(w.add(tileStart, r), w.sub(blockEnd, one));
    Value from = w.add(cacheRow(w, spec, sequence, head, key), c);
    Value to = w.add(w.mul(r, w.index(pitch)), c);
    w.store(w.load(w.gep(w.param("keys"), from, "f32"), kVec4, 1, 16),
            w.gep(keyTile, to, "f32", 3), kVec4, 3, 16);
    w.store(w.load(w.gep(w.param("values"), from, "f32"), kVec4, 1, 16),
            w.gep(valueTile, to, "f32", 3), kVec4, 3, 16);
    if (partial)
      w.endIf();
  }
  w.barrier();
  // A thread takes its keys of the tile `group` at a time: their scores are
  // independent dot products, and one rescaling of the running sums (max, sum,
  // output) serves the whole group instead of one per key.
  const int64_t keysPerThread = spec.keyTile / split;
  const int64_t group = keysPerThread % 4 == 0 ? 4 : keysPerThread % 2 == 0 ? 2 : 1;
  auto keys = w.beginFor(w.index(0), w.index(keysPerThread / group), one, tiles.iterArgs, types);
  std::vector<Value> rows, scores;
  for (int64_t g = 0; g < group; ++g) {
    Value nthKey = w.add(w.mul(keys.inductionVariable, w.index(group)), w.index(g));
    Value j = w.add(w.mul(nthKey, w.index(split)), part);
    Value row = w.mul(j, w.index(pitch));
    Value dot = w.splat(w.f32(0.0), kVec4);
    for (int64_t i = 0; i < vectors; ++i)
      dot = w.fma(q[i], w.load(w.gep(keyTile, w.add(row, w.index(4 * i)), "f32", 3), kVec4, 3, 16),
                  dot, kVec4);
    Value allowed = w.cmp("ule", w.add(tileStart, j), position); // causal, and inside the length
    rows.push_back(row);
    scores.push_back(w.select(allowed, w.reduceAdd(dot, kVec4),
                              w.f32(-std::numeric_limits<double>::infinity()), "f32"));
  }
  Value maximum = keys.iterArgs[0];
  for (const Value &score : scores)
    maximum = w.fmax(maximum, score);
  Value correction = w.exp(w.fsub(keys.iterArgs[0], maximum));
  Value correctionVector = w.splat(correction, kVec4);
  Value sum = w.fmul(keys.iterArgs[1], correction);
  std::vector<Value> outputs;
  for (int64_t i = 0; i < vectors; ++i)
    outputs.push_back(w.fmul(keys.iterArgs[2 + i], correctionVector, kVec4));
  for (int64_t g = 0; g < group; ++g) {
    Value p = w.exp(w.fsub(scores[g], maximum));
    sum = w.fadd(sum, p);
    Value pVector = w.splat(p, kVec4);
    for (int64_t i = 0; i < vectors; ++i) {
      Value v = w.load(w.gep(valueTile, w.add(rows[g], w.index(4 * i)), "f32", 3), kVec4, 3, 16);
      outputs[i] = w.fma(pVector, v, outputs[i], kVec4);
    }
  }
  std::vector<Value> next = {maximum, sum};
  next.insert(next.end(), outputs.begin(), outputs.end());
  std::vector<Value> updated = w.endFor(next);
  w.barrier(); // the tiles are overwritten by the next step
  std::vector<Value> final = w.endFor(updated);

  // The query's `split` partial softmaxes (adjacent lanes) merged by butterfly
  // shuffles: every one of its threads ends with the whole result.
  for (int64_t mask = 1; mask < split; mask *= 2) {
    Value otherMax = w.shuffleXor(final[0], mask);
    Value otherSum = w.shuffleXor(final[1], mask);
    Value maximum = w.fmax(final[0], otherMax);
    Value mine = w.exp(w.fsub(final[0], maximum));
    Value theirs = w.exp(w.fsub(otherMax, maximum));
    std::vector<Value> merged = {maximum, w.fma(final[1], mine, w.fmul(otherSum, theirs))};
    Value mineVector = w.splat(mine, kVec4), theirsVector = w.splat(theirs, kVec4);
    for (int64_t i = 0; i < vectors; ++i) {
      std::string elements;
      for (int64_t e = 0; e < 4; ++e) {
        Value element = w.op(fmt::format("vector.extract {}[{}] : f32 from {}", final[2 + i], e,
                                         kVec4));
        elements += (e ? ", " : "") + w.shuffleXor(element, mask);
      }
      Value other = w.op(fmt::format("vector.from_elements {} : {}", elements, kVec4));
      merged.push_back(w.fma(final[2 + i], mineVector, w.fmul(other, theirsVector, kVec4), kVec4));
    }
    final = merged;
  }

  // Each of the query's threads stores every split-th vector of the output.
  Value inverse = w.splat(w.fdiv(w.f32(1.0), final[1]), kVec4);
  Value width = w.index(spec.heads * spec.headDim);
  Value outBase = w.add(w.mul(w.add(w.mul(sequence, step.tokens), query), width),
                        w.mul(head, w.index(spec.headDim)));
  for (int64_t i = 0; i < vectors; ++i) {
    Value mineToStore = w.cmp("eq", part, w.index(i % split));
    w.beginIf(w.op("arith.andi " + validQuery + ", " + mineToStore + " : i1"));
    w.store(w.fmul(final[2 + i], inverse, kVec4),
            w.gep(w.param("out"), w.add(outBase, w.index(4 * i)), "f32"), kVec4, 1, 16);
    w.endIf();
  }
  return {name, w.finish(), w.globals(), threads};
}

} // namespace gpt2c::ptx
