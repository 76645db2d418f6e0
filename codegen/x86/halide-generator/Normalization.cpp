#include "Normalization.h"

namespace gpt2c::halide {

using namespace Halide;

namespace {

// sum over k of f(k, m): `lanes` partial sums over whole vectors (the Func
// `partial`, to be vectorised), then the partials and the tail of the row.
Expr rowSum(Func partial, Func f, int width, int lanes, Var l, Var m) {
  const int whole = width / lanes * lanes;
  RDom r(0, whole / lanes, "r");
  partial(l, m) = 0.0f;
  partial(l, m) += f(r * lanes + l, m);
  RDom lane(0, lanes, "lane");
  Expr total = sum(partial(lane, m));
  if (whole < width) {
    RDom tail(whole, width - whole, "tail");
    total += sum(f(tail, m));
  }
  return total;
}

} // namespace

RowNormalization::RowNormalization(Func x, int width, float epsilon, Func gamma, Func beta,
                                   int lanes)
    : x_(x), laneSums_("lane_sums"), mean_("mean"), laneSquares_("lane_squares"),
      rstd_("rstd"), y_("normalized"), lanes_(width >= lanes ? lanes : 1) {
  Var k("k"), m("m"), l("l");
  mean_(m) = rowSum(laneSums_, x_, width, lanes_, l, m) / float(width);
  Func centered("centered");
  centered(k, m) = x_(k, m) - mean_(m);
  Func squares("squares");
  squares(k, m) = centered(k, m) * centered(k, m);
  Expr variance = rowSum(laneSquares_, squares, width, lanes_, l, m) / float(width);
  rstd_(m) = 1.0f / sqrt(variance + epsilon);
  y_(k, m) = centered(k, m) * rstd_(m) * gamma(k) + beta(k);
}

void RowNormalization::computeStatisticsAt(Func consumer, Var row) {
  for (Func partial : {laneSums_, laneSquares_}) {
    Var l = partial.args()[0];
    partial.compute_at(consumer, row).vectorize(l);
    partial.update().vectorize(l);
  }
  mean_.compute_at(consumer, row);
  rstd_.compute_at(consumer, row);
}

} // namespace gpt2c::halide
