#include "Linear.h"

#include "KernelSupport.h"

#include <algorithm>

namespace gpt2c::halide {

using namespace Halide;

namespace {

int roundUp(int value, int multiple) { return (value + multiple - 1) / multiple * multiple; }

} // namespace

LinearSchedule readLinearSchedule(SpecObject &schedule, const Target &target,
                                  WeightLayout layout, const PackedMatrix &weight, int k, int n) {
  LinearSchedule s;
  std::string strategy = schedule.optionalString("strategy", "gemv");
  if (strategy != "gemv" && strategy != "gemm")
    schedule.fail("strategy", "must be \"gemv\" or \"gemm\", got \"" + strategy + "\"");
  s.gemm = strategy == "gemm";
  s.lanes = readVectorLanes(schedule, target);
  const bool vectorOverN = s.gemm || layout != WeightLayout::NK;
  const bool kPairs = layout == WeightLayout::KPairs;

  // Defaults measured on a Sapphire-Rapids-class Xeon, 2 threads: gemv nk 4 rows,
  // n/8 columns per task; gemv kn 4 vectors, 4 k rows per pass, n/4 per task (long
  // row chunks stream better); gemm 6 x 4-vector tiles (24 of the 32 registers),
  // 2 tiles per task, k unrolled twice.
  s.tileM = static_cast<int>(schedule.intInRange("tile_m", s.gemm ? 6 : 1, 1, 32));
  int tileNDefault = vectorOverN ? 4 * s.lanes : 4;
  s.tileN = static_cast<int>(
      schedule.intInRange("tile_n", std::min(tileNDefault, n), 1, vectorOverN ? 512 : 32));
  if (vectorOverN && s.tileN % s.lanes != 0)
    schedule.fail("tile_n", "must be a multiple of vector (" + std::to_string(s.lanes) + ")");
  if (s.tileN > n)
    schedule.fail("tile_n", "exceeds n (" + std::to_string(n) + ")");
  if (s.gemm && s.tileM * (s.tileN / s.lanes) > 28)
    schedule.fail("tile_m", "times tile_n / vector exceeds the 28 accumulator registers");

  s.splitK = static_cast<int>(schedule.intInRange("split_k", 1, 1, 64));
  if (s.splitK > 1 && (s.gemm || layout == WeightLayout::NK ||
                       (weight.quantized() && weight.groups() != 1)))
    schedule.fail("split_k", "applies to strategy \"gemv\" with layout \"kn\" or \"kpairs\" and weights "
                             "unquantized or int8 with one scale per channel only");
  if (s.splitK > 1 && s.tileM != 1)
    schedule.fail("split_k", "needs tile_m 1 (rows are looped inside each task)");
  if (weight.pairs() && s.splitK == 1)
    schedule.fail("pairs", "needs split_k > 1");
  if (weight.pairs() && s.splitK > 1 && s.tileN % (2 * s.lanes) != 0)
    schedule.fail("tile_n", "must be a multiple of 2 x vector with pairs");

  int wholeTiles = n / s.tileN * s.tileN;
  int perTaskDefault = s.splitK > 1 || (kPairs && !s.gemm) ? wholeTiles
                       : s.gemm                              ? 2 * s.tileN
                       : layout == WeightLayout::KN          ? roundUp((n + 3) / 4, s.tileN)
                                                             : roundUp((n + 7) / 8, s.tileN);
  s.nPerTask = static_cast<int>(
      schedule.intInRange("n_per_task", std::min(perTaskDefault, wholeTiles), 1, n));
  if (s.nPerTask % s.tileN != 0)
    schedule.fail("n_per_task", "must be a multiple of tile_n (" + std::to_string(s.tileN) + ")");

  std::string activations = schedule.optionalString("activations", "f32");
  if (activations != "f32" && activations != "int8" && activations != "bf16")
    schedule.fail("activations",
                  "must be \"f32\", \"int8\" or \"bf16\", got \"" + activations + "\"");
  s.int8Activations = activations == "int8";
  s.bf16Activations = activations == "bf16";
  if (s.bf16Activations) {
    if (weight.type() != WeightType::BF16 || s.gemm || layout == WeightLayout::KN)
      schedule.fail("activations", "\"bf16\" needs bf16 weights, strategy \"gemv\" and "
                                   "layout \"kpairs\" or \"nk\"");
    if (!target.has_feature(Target::AVX512_SapphireRapids))
      schedule.fail("activations", "\"bf16\" needs bf16 dot products: a Halide target with "
                                   "avx512_sapphirerapids");
  }

  // The loop the unroll factor splits, in reduction steps: the group (or all of k)
  // for gemv kn, its vector steps for gemv nk, all of k for gemm; bf16 activations
  // take k in pairs (kpairs) or in vectors of pairs (nk).
  const bool pairSteps = kPairs && s.bf16Activations;
  int reduced = s.gemm ? k : weight.groupSize();
  if (pairSteps)
    reduced = k / 2;
  if (!s.gemm && layout == WeightLayout::NK) {
    int step = s.bf16Activations ? 2 * s.lanes : s.lanes;
    if (reduced % step != 0)
      schedule.fail("vector", (s.bf16Activations ? "times 2 must divide k" : "must divide k") +
                                  std::string(weight.quantized() ? " and group_size" : "") +
                                  " for layout nk (" + std::to_string(reduced) + ")");
    reduced /= step;
  }
  int unrollDefault = s.gemm ? (s.bf16Activations ? 1 : 2)
                     : layout == WeightLayout::NK ? 1
                     : s.bf16Activations          ? 2
                                                  : 4;
  if (reduced % unrollDefault != 0)
    unrollDefault = 1;
  s.unroll = static_cast<int>(schedule.intInRange("unroll", unrollDefault, 1, 64));
  if (reduced % s.unroll != 0)
    schedule.fail("unroll", "must divide the unrolled loop's extent (" + std::to_string(reduced) +
                                ")");
  if ((pairSteps ? k / 2 : k) % (s.splitK * s.unroll) != 0)
    schedule.fail("split_k", std::string("times unroll must divide ") +
                                 (pairSteps ? "the k pairs (" + std::to_string(k / 2)
                                            : "k (" + std::to_string(k)) +
                                 ")");
  if (kPairs && !pairSteps && (s.unroll % 2 != 0 || (k / s.splitK) % 2 != 0))
    schedule.fail("unroll", "must be even, as must k / split_k, for layout \"kpairs\" "
                            "(whole pairs per step)");
  s.parallel = schedule.optionalBool("parallel", true);
  // int8 rows are short (k bytes) and widening them to float32 takes more instructions per
  // byte than the out-of-order window hides, so by default a short int8 nk tile
  // (at most 384 steps) prefetches the next tile; f32, bf16 and long rows
  // measured as well or better without.
  int prefetchDefault = 0;
  if (!s.gemm && !s.int8Activations && layout == WeightLayout::NK && weight.quantized() &&
      s.tileN * k / s.lanes <= 384)
    prefetchDefault = s.tileN * k / s.lanes;
  s.prefetch = static_cast<int>(schedule.intInRange("prefetch", prefetchDefault, 0, 1024));
  if (s.gemm && s.prefetch != 0)
    schedule.fail("prefetch", "applies to strategy \"gemv\" only");

  s.activationGroup = static_cast<int>(
      schedule.intInRange("activation_group", s.int8Activations ? 64 : 0, 0, k));
  if (s.int8Activations) {
    if (s.gemm || layout != WeightLayout::NK || !weight.quantized())
      schedule.fail("activations", "\"int8\" needs int8 weights, strategy \"gemv\" and layout nk");
    if (!target.has_feature(Target::AVX512_SapphireRapids))
      schedule.fail("activations", "\"int8\" needs VNNI dot products: a Halide target with "
                                   "avx512_sapphirerapids");
    if (s.activationGroup % 64 != 0 || k % s.activationGroup != 0 ||
        (weight.groupSize() % s.activationGroup != 0))
      schedule.fail("activation_group", "must be a multiple of 64 dividing k (" +
                                            std::to_string(k) + ") and the weights' group size (" +
                                            std::to_string(weight.groupSize()) + ")");
  } else if (schedule.has("activation_group")) {
    schedule.fail("activation_group", "applies to activations \"int8\" only");
  }
  return s;
}

LinearProduct::LinearProduct(Func x, Expr rows, const PackedMatrix &weight, WeightLayout layout,
                             int k, const LinearSchedule &schedule, Var nVar, Var mVar)
    : x_(x), rows_("rows"), wide_("wide"), acc_("acc"), grouped_("grouped"), lanes_("lanes"),
      panel_("panel"), weight_(weight), layout_(layout), k_(k), s_(schedule),
      nVar_(nVar), mVar_(mVar) {
  Var kv("kv"), mv("mv"), a("a"), b("b");
  // Register tiles of several rows compute whole tiles: rows past the end repeat the
  // last row, and only real rows are stored.
  if (s_.tileM > 1)
    rows_(kv, mv) = x_(kv, clamp(mv, 0, rows - 1));
  else
    rows_(kv, mv) = x_(kv, mv);
  wide_(a, b) = weight_.widened(a, b);
  if (s_.bf16Activations)
    bf16Rows_(kv, mv) = cast(BFloat(16), rows_(kv, mv));
  if (s_.gemm)
    defineGemm();
  else if (splitsK())
    defineGemvKnSplit();
  else if (layout_ == WeightLayout::KN)
    defineGemvKn();
  else if (s_.int8Activations)
    defineGemvNkInt8();
  else
    defineGemvNk();
}

void LinearProduct::defineGemvKn() {
  Var n = nVar_, m = mVar_;
  if (!weight_.quantized()) {
    RDom r(0, k_, "r");
    acc_(n, m) = 0.0f;
    acc_(n, m) += rows_(r, m) * wide_(n, r);
    return;
  }
  const int groupSize = weight_.groupSize();
  Var g("g");
  RDom r(0, groupSize, "r"), rg(0, weight_.groups(), "rg");
  grouped_(n, m, g) = 0.0f;
  grouped_(n, m, g) += rows_(g * groupSize + r, m) * wide_(n, g * groupSize + r);
  acc_(n, m) = 0.0f;
  acc_(n, m) += grouped_(n, m, rg) * weight_.scale(rg, n);
}

bool LinearProduct::splitsK() const {
  return layout_ == WeightLayout::KPairs || (layout_ == WeightLayout::KN && s_.splitK > 1);
}

Expr LinearProduct::pairProduct(const Expr &n, const Expr &j, const Expr &pair, const Expr &m) {
  return cast<float>(weight_.pairElement(n, j, pair)) * cast<float>(bf16Rows_(2 * pair + j, m));
}

void LinearProduct::defineGemvKnSplit() {
  Var n = nVar_, m = mVar_, t("t"), half("half");
  const int chunk = k_ / s_.splitK;
  RDom rt(0, s_.splitK, "rt");
  acc_(n, m) = 0.0f;
  if (s_.bf16Activations) {
    // r.x: the value within a pair, reduced across vector lanes by the dot product.
    RDom r(0, 2, 0, chunk / 2, "r");
    partial_(n, m, t) = 0.0f;
    partial_(n, m, t) += pairProduct(n, r.x, t * (chunk / 2) + r.y, m);
    acc_(n, m) += partial_(n, m, rt);
    return;
  }
  RDom r(0, chunk, "r");
  if (weight_.pairs()) {
    // Sums per column pair and half (n = 2 * pair + half): dense in the pair.
    partial_(n, half, m, t) = 0.0f;
    partial_(n, half, m, t) += rows_(t * chunk + r, m) * weight_.widenedHalf(n, half, t * chunk + r);
    acc_(n, m) += partial_(n / 2, n % 2, m, rt);
    return;
  }
  partial_(n, m, t) = 0.0f;
  partial_(n, m, t) += rows_(t * chunk + r, m) * wide_(n, t * chunk + r);
  // int8 with one scale per channel: the sums of the integers, scaled once.
  Expr scale = weight_.quantized() ? weight_.scale(0, n) : Expr(1.0f);
  acc_(n, m) += partial_(n, m, rt) * scale;
}

void LinearProduct::defineGemvNk() {
  Var n = nVar_, m = mVar_, l("l");
  const int lanes = s_.lanes;
  if (s_.bf16Activations) {
    // Lane l of step r sums k = 2 (r lanes + l) + j over j: one dot product.
    RDom r(0, 2, 0, k_ / (2 * lanes), "r");
    Expr index = 2 * (r.y * lanes + l) + r.x;
    lanes_(l, n, m) = 0.0f;
    lanes_(l, n, m) += cast<float>(weight_.bf16(index, n)) * cast<float>(bf16Rows_(index, m));
  } else if (!weight_.quantized()) {
    RDom r(0, k_ / lanes, "r");
    lanes_(l, n, m) = 0.0f;
    lanes_(l, n, m) += rows_(r * lanes + l, m) * wide_(r * lanes + l, n);
  } else {
    const int groupSize = weight_.groupSize();
    Var g("g");
    RDom r(0, groupSize / lanes, "r"), rg(0, weight_.groups(), "rg");
    Expr index = g * groupSize + r * lanes + l;
    grouped_(l, n, m, g) = 0.0f;
    grouped_(l, n, m, g) += rows_(index, m) * wide_(index, n);
    lanes_(l, n, m) = 0.0f;
    lanes_(l, n, m) += grouped_(l, n, m, rg) * weight_.scale(rg, n);
  }
  RDom rl(0, lanes, "rl");
  acc_(n, m) = 0.0f;
  acc_(n, m) += lanes_(rl, n, m);
}

void LinearProduct::defineGemvNkInt8() {
  using namespace Halide::ConciseCasts;
  Var n = nVar_, m = mVar_, l("l"), g("g"), kv("kv");
  const int group = s_.activationGroup, steps = group / 64;
  // Symmetric int8 activations: scale max|x| / 127 per group of the row.
  RDom ra(0, group, "ra");
  activationMax_(g, m) = maximum(abs(rows_(g * group + ra, m)));
  Expr groupMax = activationMax_(kv / group, m);
  quantized_(kv, m) = i8(clamp(round(rows_(kv, m) * select(groupMax > 0.0f, 127.0f / groupMax, 0.0f)),
                                 -127.0f, 127.0f));
  // Lane l of a 64-byte step sums k = 4 l .. 4 l + 3. The weights become unsigned
  // (w + 128) for vpdpbusd, which adds 128 * x to every product: each lane starts
  // from -128 times the sum of its activations over the group.
  RDom rs(0, 4, 0, steps, "rs");
  offsets_(l, g, m) = 0;
  offsets_(l, g, m) -= 128 * i32(quantized_(g * group + rs.y * 64 + l * 4 + rs.x, m));
  RDom rd(0, 4, 0, steps, "rd");
  Expr index = g * group + rd.y * 64 + l * 4 + rd.x;
  Expr unsignedWeight = reinterpret(UInt(8), weight_.values()(index, n)) ^ u8(128);
  dots_(l, n, m, g) = offsets_(l, g, m);
  dots_(l, n, m, g) += i32(unsignedWeight) * i32(quantized_(index, m));
  // Per group: the int32 sums times the activation scale and the weights' group scale.
  RDom rg(0, k_ / group, "rg");
  Expr scale = activationMax_(rg, m) * (1.0f / 127.0f) *
               weight_.scale(rg * group / weight_.groupSize(), n);
  lanes_(l, n, m) = 0.0f;
  lanes_(l, n, m) += f32(dots_(l, n, m, rg)) * scale;
  RDom rl(0, 16, "rl");
  acc_(n, m) = 0.0f;
  acc_(n, m) += lanes_(rl, n, m);
}

void LinearProduct::defineGemm() {
  Var n = nVar_, m = mVar_, kv("kv");
  if (layout_ == WeightLayout::NK)
    panel_(n, kv) = weight_.value(kv, n);
  else
    panel_(n, kv) = weight_.value(n, kv);
  RDom r(0, k_, "r");
  acc_(n, m) = 0.0f;
  acc_(n, m) += rows_(r, m) * panel_(n, r);
}

void LinearProduct::schedule(Func out) {
  if (s_.bf16Activations) {
    // Rounded once per call, in parallel over the rows of a multi-row schedule.
    Var kv = bf16Rows_.args()[0], row = bf16Rows_.args()[1];
    bf16Rows_.compute_root().vectorize(kv, s_.lanes);
    if (s_.parallel && (s_.gemm || s_.tileM > 1))
      bf16Rows_.parallel(row);
  }
  if (s_.gemm)
    scheduleGemm(out);
  else if (splitsK())
    scheduleGemvKnSplit(out);
  else if (layout_ == WeightLayout::KN)
    scheduleGemvKn(out);
  else if (s_.int8Activations)
    scheduleGemvNkInt8(out);
  else
    scheduleGemvNk(out);
}

namespace {

// The reduction variables of a Func's first update, in definition order.
std::vector<RVar> reductionVars(Func f) {
  std::vector<RVar> result;
  for (const Internal::ReductionVariable &rv : f.update().get_schedule().rvars())
    result.emplace_back(rv.var);
  return result;
}

} // namespace

void LinearProduct::prefetchWeights(Stage stage, RVar loop) {
  // Addresses past the buffer are harmless for a prefetch: no clamping or guards.
  if (s_.prefetch > 0)
    stage.prefetch(weight_.values(), loop, loop, s_.prefetch, PrefetchBoundStrategy::NonFaulting);
}

void LinearProduct::wholeRowTiles(std::vector<Func> funcs) {
  // The last row tile is partial (GuardWithIf); its producers still cover tile_m
  // rows (clamped rows_ makes that safe), so that their size is a compile-time
  // constant and the register tile really lives in registers.
  if (s_.tileM == 1)
    return;
  for (Func f : funcs)
    if (f.defined())
      f.bound_extent(mVar_, s_.tileM);
}

void LinearProduct::scheduleGemvKn(Func out) {
  Var n = nVar_, m = mVar_, no("no"), ni("ni"), mo("mo"), mi("mi");
  const int lanes = s_.lanes;
  out.split(n, no, ni, s_.nPerTask)
      .split(m, mo, mi, s_.tileM, TailStrategy::GuardWithIf)
      .reorder(ni, mi, mo, no)
      .vectorize(ni, lanes);
  if (s_.parallel)
    out.parallel(no);
  acc_.compute_at(out, mo).vectorize(n, lanes);
  wholeRowTiles({acc_, grouped_});

  // Streams `k` rows of the weights into the task's accumulators, `unroll` rows
  // per pass, tile_n columns per inner tile.
  auto streamRows = [&](Func f) {
    RVar r = reductionVars(f)[0], ro("ro"), ri("ri");
    Var nt("nt"), nti("nti"), nv("nv"), nvi("nvi");
    f.update()
        .split(r, ro, ri, s_.unroll)
        .split(n, nt, nti, s_.tileN)
        .split(nti, nv, nvi, lanes)
        .reorder(nvi, nv, ri, m, nt, ro)
        .vectorize(nvi)
        .unroll(nv)
        .unroll(ri);
    prefetchWeights(f.update(), ro);
  };
  if (!weight_.quantized()) {
    streamRows(acc_);
    return;
  }
  RVar rg = reductionVars(acc_)[0];
  grouped_.compute_at(acc_, rg).vectorize(n, lanes);
  streamRows(grouped_);
  Var nv("nv"), nvi("nvi");
  acc_.update().split(n, nv, nvi, lanes).reorder(nvi, m, nv, rg).vectorize(nvi);
}

void LinearProduct::scheduleGemvKnSplit(Func out) {
  const bool pairs = weight_.pairs();
  // With pairs, the partial sums' n counts column pairs and tiles hold both halves.
  Var n = nVar_, m = mVar_, t = partial_.args()[pairs ? 3 : 2];
  const int lanes = s_.lanes, columnsPerStep = pairs ? 2 : 1;
  // Column splits guard their tails: rounding up would read weights past n.
  const TailStrategy guard = TailStrategy::GuardWithIf;
  out.vectorize(n, lanes);
  acc_.compute_at(out, m).vectorize(n, lanes, guard);
  acc_.update().reorder(n, reductionVars(acc_)[0]).vectorize(n, lanes, guard);

  // Zeroing the partial sums is a few kilobytes: one serial loop, no second dispatch.
  // Their rows are padded by a cache line: rows a multiple of 4 KiB apart (N = 768,
  // 3072) alias in the store buffer, and each row's first load of a tile waited on
  // the previous row's store (124M bf16 prefill of 12 tokens: about 4% faster).
  const int columns = weight_.channels() / columnsPerStep;
  const bool dots = s_.bf16Activations;
  if (dots) {
    // Each task sums its chunk into a buffer of its own, copied out afterwards (a few
    // kilobytes): the dot products' stores then need no atomic operations (into one
    // shared buffer Halide emitted compare-and-swap loops, one lane at a time).
    Func chunkSums = partial_.in(acc_);
    chunkSums.compute_root().vectorize(n, lanes, guard);
    if (s_.parallel)
      chunkSums.parallel(t);
    partial_.compute_at(chunkSums, t);
  } else {
    partial_.compute_root();
  }
  partial_.vectorize(n, lanes, guard).align_storage(n, columns + lanes);
  // Each task: its chunk of rows, `unroll` rows per pass over its columns, tile_n
  // columns per register tile; the partial sums stay in L1 between passes.
  std::vector<RVar> rvars = reductionVars(partial_);
  RVar r = rvars[dots ? 1 : 0], ro("ro"), ri("ri");
  Var no("no"), ni("ni"), nt("nt"), nti("nti"), nv("nv"), nvi("nvi"), task("task");
  Stage update = partial_.update();
  update.split(r, ro, ri, s_.unroll)
      .split(n, no, ni, s_.nPerTask / columnsPerStep, guard)
      .split(ni, nt, nti, s_.tileN / columnsPerStep, guard)
      .split(nti, nv, nvi, lanes, guard);
  if (pairs) {
    Var half = partial_.args()[1];
    update.reorder(nvi, half, nv, ri, m, nt, ro, no, t).unroll(half);
    partial_.unroll(half);
  } else if (dots) {
    // Both values of a pair and a vector of columns: one dot-product instruction.
    update.reorder(rvars[0], nvi, nv, ri, m, nt, ro, no, t).atomic().vectorize(rvars[0]);
  } else {
    update.reorder(nvi, nv, ri, m, nt, ro, no, t);
  }
  update.vectorize(nvi).unroll(nv).unroll(ri);
  if (!dots) {
    update.fuse(no, t, task);
    if (s_.parallel)
      update.parallel(task);
  }
  prefetchWeights(update, ro);
}

Var LinearProduct::tileDotProductOutputs(Func out) {
  Var n = nVar_, m = mVar_, no("no"), ni("ni"), nt("nt"), nti("nti"), mo("mo"), mi("mi");
  out.split(n, no, ni, s_.nPerTask)
      .split(ni, nt, nti, s_.tileN)
      .split(m, mo, mi, s_.tileM, TailStrategy::GuardWithIf)
      .reorder(nti, mi, nt, mo, no)
      .unroll(nti);
  if (s_.parallel)
    out.parallel(no);
  acc_.compute_at(out, nt);
  acc_.update().atomic().vectorize(reductionVars(acc_)[0]).unroll(n).unroll(m);
  return nt;
}

void LinearProduct::scheduleGemvNk(Func out) {
  Var n = nVar_, m = mVar_, l("l");
  Var nt = tileDotProductOutputs(out);

  // Every vector step loads one vector of x per row and one of each of the
  // tile_n weight rows, and feeds tile_n x tile_m accumulators.
  auto dotProducts = [&](Func f) {
    std::vector<RVar> rvars = reductionVars(f);
    RVar ro("ro"), ri("ri");
    Stage update = f.update();
    if (s_.bf16Activations) // rvars[0] is the value within a pair (defineGemvNk)
      update.split(rvars[1], ro, ri, s_.unroll)
          .reorder(rvars[0], l, n, m, ri, ro)
          .atomic()
          .vectorize(rvars[0]);
    else
      update.split(rvars[0], ro, ri, s_.unroll).reorder(l, n, m, ri, ro);
    update.vectorize(l).unroll(n).unroll(m).unroll(ri);
    prefetchWeights(update, ro);
  };
  lanes_.compute_at(out, nt).vectorize(l);
  wholeRowTiles({acc_, lanes_, grouped_});
  if (!weight_.quantized()) {
    dotProducts(lanes_);
    return;
  }
  RVar rg = reductionVars(lanes_)[0];
  grouped_.compute_at(lanes_, rg).vectorize(l);
  dotProducts(grouped_);
  lanes_.update().reorder(l, n, m, rg).vectorize(l).unroll(n).unroll(m);
}

void LinearProduct::scheduleGemvNkInt8(Func out) {
  Var n = nVar_, m = mVar_;
  Var nt = tileDotProductOutputs(out);

  // The quantised rows, once per call; in parallel over the rows of a multi-row
  // schedule (prefill: up to a megabyte of activations).
  Var kv = quantized_.args()[0], l = lanes_.args()[0];
  activationMax_.compute_root();
  quantized_.compute_root().vectorize(kv, 64);
  offsets_.compute_root().vectorize(l);
  offsets_.update().reorder(l, reductionVars(offsets_)[0], reductionVars(offsets_)[1])
      .vectorize(l);
  if (s_.parallel && s_.tileM > 1) {
    Var gm = activationMax_.args()[1], qm = quantized_.args()[1], om = offsets_.args()[2];
    activationMax_.parallel(gm);
    quantized_.parallel(qm);
    offsets_.parallel(om);
    offsets_.update().parallel(om);
  }

  // Per group: tile_n x tile_m dot products of 64 bytes per step, one vpdpbusd each.
  lanes_.compute_at(out, nt).vectorize(l);
  RVar rg = reductionVars(lanes_)[0];
  lanes_.update().reorder(l, n, m, rg).vectorize(l).unroll(n).unroll(m);
  dots_.compute_at(lanes_, rg).vectorize(l).unroll(n).unroll(m);
  std::vector<RVar> rd = reductionVars(dots_);
  dots_.update().reorder(rd[0], l, n, m, rd[1]).atomic().vectorize(rd[0]).vectorize(l)
      .unroll(n).unroll(m).unroll(rd[1]);
  wholeRowTiles({acc_, lanes_, dots_});
  prefetchWeights(lanes_.update(), rg);
}

void LinearProduct::scheduleGemm(Func out) {
  Var n = nVar_, m = mVar_, no("no"), ni("ni"), nt("nt"), nti("nti"), nv("nv"), nvi("nvi"), mo("mo"),
      mi("mi");
  const int lanes = s_.lanes;
  out.split(n, no, ni, s_.nPerTask)
      .split(m, mo, mi, s_.tileM, TailStrategy::GuardWithIf)
      .split(ni, nt, nti, s_.tileN)
      .split(nti, nv, nvi, lanes)
      .reorder(nvi, nv, mi, nt, mo, no)
      .vectorize(nvi)
      .unroll(nv)
      .unroll(mi);
  if (s_.parallel)
    out.parallel(no);
  // The task's columns, widened once and reused by every row tile.
  panel_.compute_at(out, no).vectorize(n, lanes);
  if (weight_.pairing() == Pairing::ReducedPairWords) // both halves of each word at once
    panel_.unroll(panel_.args()[1], 2);

  // The register tile: tile_m x tile_n accumulators, one k step at a time.
  Var av("av"), avi("avi");
  acc_.compute_at(out, nt).split(n, av, avi, lanes).vectorize(avi).unroll(av).unroll(m);
  wholeRowTiles({acc_});
  RVar r = reductionVars(acc_)[0], ro("ro"), ri("ri");
  acc_.update()
      .split(r, ro, ri, s_.unroll)
      .split(n, av, avi, lanes)
      .reorder(avi, av, m, ri, ro)
      .vectorize(avi)
      .unroll(av)
      .unroll(m)
      .unroll(ri);
}

} // namespace gpt2c::halide
