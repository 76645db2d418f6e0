#pragma once
// Layer normalisation of the rows of x(k, m), as PyTorch: mean and biased variance
// over k (two passes over the row, for accuracy), then
//   y(k, m) = (x(k, m) - mean(m)) / sqrt(var(m) + epsilon) * gamma(k) + beta(k).
// Shared by layer_norm and the prologue of fused_linear.
#include "Halide.h"

namespace gpt2c::halide {

class RowNormalization {
public:
  // `lanes`: vector width of the row sums (partial sums per lane, added at the end).
  RowNormalization(Halide::Func x, int width, float epsilon, Halide::Func gamma,
                   Halide::Func beta, int lanes);

  // y(k, m).
  Halide::Func result() const { return y_; }

  // Computes a row's statistics inside `consumer`'s loop over `row`, so that each
  // row is summed exactly once, right before its elements are normalised.
  void computeStatisticsAt(Halide::Func consumer, Halide::Var row);

private:
  Halide::Func x_, laneSums_, mean_, laneSquares_, rstd_, y_;
  int lanes_;
};

} // namespace gpt2c::halide
