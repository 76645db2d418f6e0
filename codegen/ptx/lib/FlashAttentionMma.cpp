// Causal attention of every new token on tensor cores, flash style. Each warp
// owns 16 queries; per tile of keys it computes the 16 x tile scores as
// mma.sync tiles (queries, scaled by scale * log2(e) and rounded to 16 bits,
// stay in registers), applies the causal mask and an online base-2 softmax on
// the accumulators, and multiplies the probabilities, rounded to 16 bits and
// reused in place as the A operand, by the value tile. Key and value tiles are
// read from the float32 caches, rounded, and staged in shared memory, from
// which ldmatrix fills the B operands (transposed for the values); the next
// tile's loads are issued before the current tile's work. The heaviest query
// blocks (the last) start first.
#include "AttentionCommon.h"
#include "TensorCore.h"

#include <cmath>
#include <limits>

namespace gpt2c::ptx {

namespace {

// The flat accumulators of a warp's 16 x 8n tile: 4 per mma tile.
using Tiles = std::vector<std::array<Value, 4>>;

} // namespace

KernelSource attentionPrefillMmaKernel(const std::string &name, const AttentionSpec &spec) {
  const std::string half = spec.mmaType;
  const int64_t D = spec.headDim;
  if (half != "bf16" && half != "f16")
    fail("attention {}: tensor-core attention takes bf16 or f16, not '{}'", name, half);
  if (D % 16 != 0 || D > 256)
    fail("attention {}: head dimension {} must be a multiple of 16 up to 256", name, D);
  if (spec.blockQ % 16 != 0 || spec.blockQ < 16 || spec.blockQ > 128)
    fail("attention {}: {} queries per block are not 1 to 8 warps of 16", name, spec.blockQ);
  const int64_t warps = spec.blockQ / 16, threads = warps * 32;
  const int64_t keyTile = spec.keyTile, rowVectors = D / 4;
  if (keyTile % 16 != 0 || keyTile > 128 || (keyTile * rowVectors) % threads != 0)
    fail("attention {}: a key tile of {} is not a multiple of 16 up to 128 that {} threads "
         "stage evenly",
         name, keyTile, threads);
  // Rows of the 16-bit tiles are D + 8 elements apart: the 8 row addresses of
  // an ldmatrix phase then fall in 8 different 16-byte bank groups.
  const int64_t pitch = D + 8;
  const std::string pairType = "vector<2xf32>", tileVector = vectorOf(4, half);

  KernelWriter w(name, {"params", "qkv", "keys", "values", "out"}, threads);
  auto floatPair = [&](const Value &a, const Value &b) {
    return w.op(fmt::format("vector.from_elements {}, {} : {}", a, b, pairType));
  };
  w.awaitPreviousGrids();
  StepParams step = loadStepParams(w);
  auto [sequenceHead, sequence, head] = blockHead(w, spec);
  Value one = w.index(1);
  Value thread = w.threadId();
  Value lane = w.remu(thread, w.index(32));
  Value warp = w.divu(thread, w.index(32));
  Value group = w.divu(lane, w.index(4));
  Value quad = w.remu(lane, w.index(4));
  Value blocks = w.divu(w.add(step.tokens, w.index(spec.blockQ - 1)), w.index(spec.blockQ));
  Value firstQuery = w.mul(w.sub(w.sub(blocks, one), w.blockId('y')), w.index(spec.blockQ));
  Value lastQuery = w.sub(step.tokens, one);
  Value blockEnd = w.add(step.past, w.minu(step.tokens, w.add(firstQuery, w.index(spec.blockQ))));
  // The thread's two query rows: group and group + 8 of its warp's 16.
  std::array<Value, 2> query, position, rowBase;
  query[0] = w.add(w.add(firstQuery, w.mul(warp, w.index(16))), group);
  query[1] = w.add(query[0], w.index(8));
  for (int h = 0; h < 2; ++h) {
    position[h] = w.add(step.past, query[h]);
    rowBase[h] = w.add(w.mul(w.add(w.mul(sequence, step.tokens), w.minu(query[h], lastQuery)),
                             w.index(spec.qRowStride)),
                       w.mul(head, w.index(D)));
  }

  // The queries as A operands, one per 16 of D: scores come out in base 2.
  Value scale = w.splat(w.f32(spec.scale / std::log(2.0)), pairType);
  auto queryPair = [&](int h, int64_t d) {
    Value at = w.add(rowBase[h], w.add(w.index(d), w.mul(quad, w.index(2))));
    return packPair(
        w, half, w.fmul(w.load(w.gep(w.param("qkv"), at, "f32"), pairType, 1, 8), scale, pairType));
  };
  std::vector<std::array<Value, 4>> queries;
  for (int64_t d = 0; d < D; d += 16)
    queries.push_back({queryPair(0, d), queryPair(1, d), queryPair(0, d + 8), queryPair(1, d + 8)});

  Value keyTiles = w.sharedArray(half, keyTile * pitch);
  Value valueTiles = w.sharedArray(half, keyTile * pitch);
  // Each thread's 4-float pieces of a tile (the same places of keys and values).
  struct Piece {
    Value row, column, tileOffset;
  };
  std::vector<Piece> pieces;
  for (int64_t i = 0; i < keyTile * rowVectors / threads; ++i) {
    Value item = w.add(thread, w.index(i * threads));
    Value row = w.divu(item, w.index(rowVectors));
    Value column = w.mul(w.remu(item, w.index(rowVectors)), w.index(4));
    pieces.push_back({row, column, w.add(w.mul(row, w.index(pitch)), column)});
  }
  Value lastKey = w.sub(blockEnd, one);
  auto loadTiles = [&](const Value &start) {
    std::vector<Value> loaded;
    for (const Piece &piece : pieces) {
      Value key = w.minu(w.add(start, piece.row), lastKey); // rows past the end: masked
      Value at = w.add(cacheRow(w, spec, sequence, head, key), piece.column);
      loaded.push_back(w.load(w.gep(w.param("keys"), at, "f32"), kVec4, 1, 16));
      loaded.push_back(w.load(w.gep(w.param("values"), at, "f32"), kVec4, 1, 16));
    }
    return loaded;
  };

  // Loop state: running max and sum of each row, the output tiles (D / 8), the
  // next tiles' loads.
  const int64_t outputTiles = D / 8, scoreTiles = keyTile / 8;
  std::vector<Value> state = {w.f32(-1e30), w.f32(-1e30), w.f32(0.0), w.f32(0.0)};
  std::vector<std::string> types(4 + 4 * outputTiles, "f32");
  for (int64_t i = 0; i < 4 * outputTiles; ++i)
    state.push_back(w.f32(0.0));
  for (const Value &value : loadTiles(w.index(0))) {
    state.push_back(value);
    types.push_back(kVec4);
  }
  auto loop = w.beginFor(w.index(0), blockEnd, w.index(keyTile), state, types);
  Value tileStart = loop.inductionVariable;
  const std::size_t firstLoad = 4 + 4 * outputTiles;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    w.store(w.convert(loop.iterArgs[firstLoad + 2 * i], kVec4, tileVector),
            w.gep(keyTiles, pieces[i].tileOffset, half, 3), tileVector, 3, 8);
    w.store(w.convert(loop.iterArgs[firstLoad + 2 * i + 1], kVec4, tileVector),
            w.gep(valueTiles, pieces[i].tileOffset, half, 3), tileVector, 3, 8);
  }
  std::vector<Value> next = loadTiles(w.add(tileStart, w.index(keyTile)));
  w.barrier();

  // Scores: keys as B operands, ldmatrix rows = keys, 8 of D per matrix. With 4
  // matrices a lane addresses key (lane % 8) at D offset 8 (lane / 8).
  Value laneRow = w.remu(lane, w.index(8));
  Value laneMatrix = w.divu(lane, w.index(8));
  Tiles scores(std::size_t(scoreTiles), {w.f32(0.0), w.f32(0.0), w.f32(0.0), w.f32(0.0)});
  for (int64_t n = 0; n < scoreTiles; ++n)
    for (int64_t d = 0; d < D; d += 32) {
      int count = D - d >= 32 ? 4 : 2;
      Value matrix = count == 4 ? laneMatrix : w.remu(laneMatrix, w.index(2));
      Value at = w.add(w.mul(w.add(w.index(8 * n), laneRow), w.index(pitch)),
                       w.add(w.index(d), w.mul(matrix, w.index(8))));
      std::vector<Value> b = loadMatrices(w, half, w.gep(keyTiles, at, half, 3), count, false);
      for (int k = 0; k < count / 2; ++k)
        scores[n] = mmaSync(w, half, queries[d / 16 + k], {b[2 * k], b[2 * k + 1]}, scores[n]);
    }

  // Causal mask (key <= the query's position; also hides the clamped rows past
  // the end), then the online softmax of each of the thread's two rows; a row's
  // values are spread over the 4 lanes of a quad.
  Value keyBase = w.add(tileStart, w.mul(quad, w.index(2)));
  const Value minusInfinity = w.f32(-std::numeric_limits<double>::infinity());
  for (int64_t n = 0; n < scoreTiles; ++n)
    for (int e = 0; e < 4; ++e) {
      Value key = w.add(keyBase, w.index(8 * n + (e & 1)));
      scores[n][e] =
          w.select(w.cmp("ule", key, position[e / 2]), scores[n][e], minusInfinity, "f32");
    }
  std::vector<Value> updated(loop.iterArgs.begin(), loop.iterArgs.begin() + firstLoad);
  Tiles outputs(static_cast<std::size_t>(outputTiles));
  for (int64_t t = 0; t < outputTiles; ++t)
    for (int e = 0; e < 4; ++e)
      outputs[t][e] = loop.iterArgs[4 + 4 * t + e];
  for (int h = 0; h < 2; ++h) {
    Value maximum = loop.iterArgs[h];
    for (int64_t n = 0; n < scoreTiles; ++n)
      maximum = w.fmax(w.fmax(maximum, scores[n][2 * h]), scores[n][2 * h + 1]);
    maximum = w.fmax(maximum, w.shuffleXor(maximum, 1));
    maximum = w.fmax(maximum, w.shuffleXor(maximum, 2));
    Value correction = w.exp2(w.fsub(loop.iterArgs[h], maximum));
    Value sum = w.fmul(loop.iterArgs[2 + h], correction);
    for (int64_t n = 0; n < scoreTiles; ++n)
      for (int e = 2 * h; e < 2 * h + 2; ++e) {
        scores[n][e] = w.exp2(w.fsub(scores[n][e], maximum));
        sum = w.fadd(sum, scores[n][e]);
      }
    updated[h] = maximum;
    updated[2 + h] = sum;
    for (int64_t t = 0; t < outputTiles; ++t)
      for (int e = 2 * h; e < 2 * h + 2; ++e)
        outputs[t][e] = w.fmul(outputs[t][e], correction);
  }

  // Outputs += P V: the score tiles 2k and 2k + 1 are the A operand of keys
  // [16k, 16k + 16); values as B operands through transposed ldmatrix, rows =
  // keys: a lane addresses key 16k + lane % 8 + 8 ((lane / 8) % 2) at D offset
  // 8 (lane / 16), giving b0, b1 of two adjacent output tiles.
  Value valueRow = w.add(laneRow, w.mul(w.remu(laneMatrix, w.index(2)), w.index(8)));
  Value valueColumn = w.mul(w.divu(laneMatrix, w.index(2)), w.index(8));
  auto pair = [&](const Value &a, const Value &b) { return packPair(w, half, floatPair(a, b)); };
  for (int64_t k = 0; k < scoreTiles / 2; ++k) {
    const std::array<Value, 4> &low = scores[2 * k], &high = scores[2 * k + 1];
    std::array<Value, 4> probabilities = {pair(low[0], low[1]), pair(low[2], low[3]),
                                          pair(high[0], high[1]), pair(high[2], high[3])};
    for (int64_t t = 0; t < outputTiles; t += 2) {
      Value at = w.add(w.mul(w.add(w.index(16 * k), valueRow), w.index(pitch)),
                       w.add(w.index(8 * t), valueColumn));
      std::vector<Value> b = loadMatrices(w, half, w.gep(valueTiles, at, half, 3), 4, true);
      outputs[t] = mmaSync(w, half, probabilities, {b[0], b[1]}, outputs[t]);
      outputs[t + 1] = mmaSync(w, half, probabilities, {b[2], b[3]}, outputs[t + 1]);
    }
  }
  for (int64_t t = 0; t < outputTiles; ++t)
    for (int e = 0; e < 4; ++e)
      updated[4 + 4 * t + e] = outputs[t][e];
  w.barrier(); // the tiles are overwritten by the next step
  updated.insert(updated.end(), next.begin(), next.end());
  std::vector<Value> final = w.endFor(updated);

  // Each row's sum over its quad, then the normalised outputs: the thread's
  // two columns of every output tile, for each of its rows inside the prompt.
  Value width = w.index(spec.heads * D);
  for (int h = 0; h < 2; ++h) {
    Value sum = final[2 + h];
    sum = w.fadd(sum, w.shuffleXor(sum, 1));
    sum = w.fadd(sum, w.shuffleXor(sum, 2));
    Value inverse = w.splat(w.fdiv(w.f32(1.0), sum), pairType);
    Value outBase = w.add(
        w.add(w.mul(w.add(w.mul(sequence, step.tokens), query[h]), width), w.mul(head, w.index(D))),
        w.mul(quad, w.index(2)));
    w.beginIf(w.cmp("ult", query[h], step.tokens));
    for (int64_t t = 0; t < outputTiles; ++t) {
      Value values = floatPair(final[4 + 4 * t + 2 * h], final[4 + 4 * t + 2 * h + 1]);
      w.store(w.fmul(values, inverse, pairType),
              w.gep(w.param("out"), w.add(outBase, w.index(8 * t)), "f32"), pairType, 1, 8);
    }
    w.endIf();
  }
  return {name, w.finish(), w.globals(), threads};
}

} // namespace gpt2c::ptx
