#pragma once
// Compute kernels of the reference interpreter, for float and double. Plain loops
// in cache-friendly order that the compiler vectorises; matrix products are
// register-blocked and split across the process thread pool.
#include <cstdint>

namespace gpt2c::interp::kernels {

// C[M, N] = A[M, K] * B[K, N] (+ C when `accumulate`), all row-major with the given
// leading dimensions.
template <typename T>
void matmul(std::int64_t m, std::int64_t n, std::int64_t k, const T *a, std::int64_t lda,
            const T *b, std::int64_t ldb, T *c, std::int64_t ldc, bool accumulate);

// out[rows, cols] = in[cols, rows]^T.
template <typename T> void transpose(std::int64_t rows, std::int64_t cols, const T *in, T *out);

// Layer norm of each row of `width` values: (x - mean) / sqrt(var + eps) * gamma + beta.
template <typename T>
void layerNorm(std::int64_t rows, std::int64_t width, const T *in, const T *gamma, const T *beta,
               double epsilon, T *out);

// Softmax of each row of `width` values.
template <typename T> void softmax(std::int64_t rows, std::int64_t width, const T *in, T *out);

// GELU, tanh form.
template <typename T> void gelu(std::int64_t count, const T *in, T *out);

} // namespace gpt2c::interp::kernels
