#pragma once
// Small pieces shared by the kernel kinds: buffer constraints, schedule fields
// common to every kind, GELU.
#include "Spec.h"

#include "Halide.h"

namespace gpt2c::halide {

// Every dimension of a buffer argument starts at 0 (the glue passes views whose
// host pointer is the first element); dimension 0 is dense (Halide's default).
void requireMinZero(Halide::OutputImageParam buffer);
// Dimension `dim` has exactly `extent` elements (a compile-time model dimension).
void requireExtent(Halide::OutputImageParam buffer, int dim, int extent);

// "vector": float32 lanes per vector, a power of two up to 64; default the
// target's natural width (16 with AVX-512).
int readVectorLanes(SpecObject &schedule, const Halide::Target &target);

// The largest power of two that is at most `lanes` and divides `extent`.
int lanesDividing(int lanes, int extent);

// The tanh form of GELU, 0.5x(1 + tanh(0.7978845608(x + 0.044715x^3))), written as
// x * sigmoid(2u): Halide's tanh is a scalar libm call, its exp is vectorised.
Halide::Expr geluTanh(const Halide::Expr &x);

} // namespace gpt2c::halide
