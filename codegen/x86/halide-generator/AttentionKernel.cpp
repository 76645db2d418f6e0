// attention: causal attention over the first `length` cache positions, heads merged:
//   s(j, t) = scale * sum_d query(d, t, h, b) keys(d, j, h, b), j < length
//             (and j <= past + t when causal),
//   out(h*D + d, t, b) = sum_j softmax_j(s) values(d, j, h, b).
//
// Parameters: heads H, head_dim D, capacity C (the caches' extent along positions),
// scale, causal.
// Schedule fields:
//   vector     float32 lanes over d (default 16 on AVX-512; must divide D)
//   tile_t     query rows per task (default 1, for decode; prefill: 4, measured best
//              of 2-8 with key_block 32, ~99 GFLOP/s for T = 1024 on 2 cores)
//   key_block  keys per block of the values pass (default 16)
//   parallel   split the tasks (heads x batch x query tiles) over the pool (default true)
// A task materialises only its tile of scores (tile_t x length): scores (query rows
// sharing each key's loads), then row maxima, exponentials and row sums (vectorised
// over keys), then the weighted values in blocks of keys, the tile_t x D
// accumulators held in registers. Keys a row cannot see are skipped, except within
// the last vector of keys of a row, where they are masked.
#include "Kernels.h"
#include "KernelSupport.h"

namespace gpt2c::halide {

using namespace Halide;

KernelDefinition defineAttention(KernelSpec &spec, const Target &target) {
  SpecObject &params = spec.params;
  const int heads = params.requireSize("heads"), headDim = params.requireSize("head_dim"),
            capacity = params.requireSize("capacity");
  const float scale = static_cast<float>(params.requireNumber("scale"));
  if (!(scale > 0.0f))
    params.fail("scale", "must be positive");
  const bool causal = params.requireBool("causal");
  params.rejectUnknownFields();

  SpecObject &schedule = spec.schedule;
  const bool lanesGiven = schedule.has("vector");
  int lanes = readVectorLanes(schedule, target);
  if (headDim % lanes != 0) {
    if (lanesGiven)
      schedule.fail("vector", "must divide head_dim (" + std::to_string(headDim) + ")");
    lanes = lanesDividing(lanes, headDim);
  }
  const int tileT = static_cast<int>(schedule.intInRange("tile_t", 1, 1, 16));
  const int keyBlock = static_cast<int>(schedule.intInRange("key_block", 16, 1, 1024));
  const bool parallel = schedule.optionalBool("parallel", true);
  schedule.rejectUnknownFields();

  ImageParam query(Float(32), 4, "query"), keys(Float(32), 4, "keys"),
      values(Float(32), 4, "values");
  for (ImageParam *buffer : {&query, &keys, &values}) {
    requireMinZero(*buffer);
    requireExtent(*buffer, 0, headDim);
    requireExtent(*buffer, 2, heads);
  }
  requireExtent(keys, 1, capacity);
  requireExtent(values, 1, capacity);
  Param<int32_t> past("past"), length("length");

  Var d("d"), j("j"), t("t"), h("h"), b("b"), l("l"), c("c");
  // Rows of a tile past the last query row repeat it; only real rows are stored.
  Func rows("rows");
  if (tileT > 1)
    rows(d, t, h, b) = query(d, min(t, query.dim(1).extent() - 1), h, b);
  else
    rows(d, t, h, b) = query(d, t, h, b);
  // Key j is visible from query row t.
  auto visible = [&](Expr key, Expr row) {
    Expr inCache = key < length;
    return causal ? inCache && key <= past + row : inCache;
  };

  // Dot products: `lanes` partial sums per (j, t), then one horizontal sum. The
  // vectorised row reductions below read whole vectors of keys, so keys past
  // `length` are clamped (their scores are computed but never used).
  Func partial("partial"), score("score");
  RDom rd(0, headDim / lanes, "rd");
  Expr key = min(j, length - 1);
  partial(l, j, t, h, b) = 0.0f;
  partial(l, j, t, h, b) += rows(rd * lanes + l, t, h, b) * keys(rd * lanes + l, key, h, b);
  RDom rl(0, lanes, "rl");
  score(j, t, h, b) = 0.0f;
  score(j, t, h, b) += partial(rl, j, t, h, b);

  // Row maximum and row sum: per-lane partials over whole vectors of keys (the
  // vectors holding a visible key; the rest of such a vector is masked), then
  // one horizontal reduction.
  RDom rv(0, (length + lanes - 1) / lanes, "rv");
  if (causal)
    rv.where(rv * lanes <= past + t);
  Func laneMax("lane_max"), rowMax("row_max"), prob("prob"), laneSum("lane_sum"), rowSum("row_sum");
  Expr laneKey = rv * lanes + l;
  laneMax(l, t, h, b) = Float(32).min();
  laneMax(l, t, h, b) = max(laneMax(l, t, h, b),
                            select(visible(laneKey, t), score(laneKey, t, h, b), Float(32).min()));
  RDom lane(0, lanes, "lane");
  rowMax(t, h, b) = Float(32).min();
  rowMax(t, h, b) = max(rowMax(t, h, b), laneMax(lane, t, h, b));
  prob(j, t, h, b) =
      select(visible(j, t), exp(scale * (score(j, t, h, b) - rowMax(t, h, b))), 0.0f);
  laneSum(l, t, h, b) = 0.0f;
  laneSum(l, t, h, b) += prob(laneKey, t, h, b);
  rowSum(t, h, b) = 0.0f;
  rowSum(t, h, b) += laneSum(lane, t, h, b);

  // Weighted values over the visible keys only.
  RDom rj(0, length, "rj");
  if (causal)
    rj.where(rj <= past + t);
  Func weighted("weighted");
  weighted(d, t, h, b) = 0.0f;
  weighted(d, t, h, b) += prob(rj, t, h, b) * values(d, rj, h, b);

  Func out("out");
  out(c, t, b) = weighted(c % headDim, t, c / headDim, b) / rowSum(t, c / headDim, b);
  requireMinZero(out.output_buffer());
  requireExtent(out.output_buffer(), 0, heads * headDim);

  // One task: a tile of query rows of one head of one sequence.
  Var hv("hv"), dv("dv"), tt("tt"), ti("ti"), tileHead("tile_head"), task("task");
  out.split(c, hv, dv, headDim)
      .split(t, tt, ti, tileT, TailStrategy::GuardWithIf)
      .reorder(dv, ti, tt, hv, b)
      .fuse(tt, hv, tileHead)
      .fuse(tileHead, b, task)
      .vectorize(dv, lanes);
  if (parallel)
    out.parallel(task);

  // Scores, key by key, all rows of the tile at once: each key vector is loaded
  // once. The causal mask narrows the rows a key needs; a constant extent keeps
  // them unrolled.
  score.compute_at(out, task).bound_extent(t, tileT);
  score.update().reorder(rl, t, j).atomic().vectorize(rl).unroll(t);
  partial.compute_at(score, j).bound_extent(t, tileT).vectorize(l);
  partial.update().reorder(l, t, rd).vectorize(l).unroll(t).unroll(rd);

  for (Func lanePartial : {laneMax, laneSum}) {
    lanePartial.compute_at(out, task).vectorize(l);
    lanePartial.update().reorder(l, rv, t).vectorize(l);
  }
  rowMax.compute_at(out, task);
  rowMax.update().atomic().vectorize(lane);
  rowSum.compute_at(out, task);
  rowSum.update().atomic().vectorize(lane);
  Var jo("jo"), ji("ji");
  prob.compute_at(out, task).split(j, jo, ji, lanes, TailStrategy::GuardWithIf).vectorize(ji);

  // Weighted values: for each block of keys, every row of the tile; the block's
  // values stay in L1 and the tile's accumulators in registers.
  RVar rjo("rjo"), rji("rji");
  Var wo("wo"), wi("wi");
  weighted.compute_at(out, task).split(d, wo, wi, lanes).vectorize(wi).unroll(wo);
  weighted.update()
      .split(rj, rjo, rji, keyBlock)
      .split(d, wo, wi, lanes)
      .reorder(wi, wo, rji, t, rjo)
      .vectorize(wi)
      .unroll(wo);
  return {Pipeline(out), {query, keys, values, past, length}};
}

} // namespace gpt2c::halide
