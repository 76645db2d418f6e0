#include "Kernels.h"

#include "gpt2c/support/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gpt2c::interp::kernels {
namespace {

// Columns per register tile: 32 floats are two AVX-512 vectors, 32 doubles four.
constexpr std::int64_t kTileColumns = 32;
// Rows of A per register tile.
constexpr std::int64_t kTileRows = 4;

// C[rows x 32] (+)= A[rows x K] * B[K x 32]: the accumulators stay in registers for
// the whole K loop; each B row is loaded once per tile and used `Rows` times.
template <typename T, int Rows>
void tile(std::int64_t k, const T *a, std::int64_t lda, const T *b, std::int64_t ldb, T *c,
          std::int64_t ldc, bool accumulate) {
  T acc[Rows][kTileColumns];
  for (int r = 0; r < Rows; ++r)
    for (int j = 0; j < kTileColumns; ++j)
      acc[r][j] = accumulate ? c[r * ldc + j] : T(0);
  for (std::int64_t p = 0; p < k; ++p) {
    const T *bRow = b + p * ldb;
    for (int r = 0; r < Rows; ++r) {
      T scale = a[r * lda + p];
      for (int j = 0; j < kTileColumns; ++j)
        acc[r][j] += scale * bRow[j];
    }
  }
  for (int r = 0; r < Rows; ++r)
    for (int j = 0; j < kTileColumns; ++j)
      c[r * ldc + j] = acc[r][j];
}

// The ragged right edge (fewer than 32 columns): simple loops, row by row.
template <typename T>
void edge(std::int64_t m, std::int64_t n, std::int64_t k, const T *a, std::int64_t lda, const T *b,
          std::int64_t ldb, T *c, std::int64_t ldc, bool accumulate) {
  for (std::int64_t i = 0; i < m; ++i) {
    T *cRow = c + i * ldc;
    if (!accumulate)
      std::fill(cRow, cRow + n, T(0));
    for (std::int64_t p = 0; p < k; ++p) {
      T scale = a[i * lda + p];
      const T *bRow = b + p * ldb;
      for (std::int64_t j = 0; j < n; ++j)
        cRow[j] += scale * bRow[j];
    }
  }
}

template <typename T>
void columnPanel(std::int64_t m, std::int64_t k, const T *a, std::int64_t lda, const T *b,
                 std::int64_t ldb, T *c, std::int64_t ldc, bool accumulate) {
  std::int64_t i = 0;
  for (; i + kTileRows <= m; i += kTileRows)
    tile<T, kTileRows>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, accumulate);
  for (; i < m; ++i)
    tile<T, 1>(k, a + i * lda, lda, b, ldb, c + i * ldc, ldc, accumulate);
}

} // namespace

template <typename T>
void matmul(std::int64_t m, std::int64_t n, std::int64_t k, const T *a, std::int64_t lda,
            const T *b, std::int64_t ldb, T *c, std::int64_t ldc, bool accumulate) {
  if (m == 0 || n == 0)
    return;
  std::int64_t panels = n / kTileColumns;
  // Small products are not worth waking the other threads for.
  bool parallel = double(m) * double(n) * double(k) > 2e5;
  auto runPanels = [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t panel = begin; panel < end; ++panel)
      columnPanel(m, k, a, lda, b + panel * kTileColumns, ldb, c + panel * kTileColumns, ldc,
                  accumulate);
  };
  if (parallel)
    ThreadPool::global().parallelFor(panels, runPanels);
  else
    runPanels(0, panels);
  std::int64_t done = panels * kTileColumns;
  if (done < n)
    edge(m, n - done, k, a, lda, b + done, ldb, c + done, ldc, accumulate);
}

template <typename T> void transpose(std::int64_t rows, std::int64_t cols, const T *in, T *out) {
  constexpr std::int64_t kBlock = 32; // keeps both sides of a block in L1
  for (std::int64_t r0 = 0; r0 < rows; r0 += kBlock)
    for (std::int64_t c0 = 0; c0 < cols; c0 += kBlock)
      for (std::int64_t r = r0; r < std::min(rows, r0 + kBlock); ++r)
        for (std::int64_t c = c0; c < std::min(cols, c0 + kBlock); ++c)
          out[r * cols + c] = in[c * rows + r];
}

template <typename T>
void layerNorm(std::int64_t rows, std::int64_t width, const T *in, const T *gamma, const T *beta,
               double epsilon, T *out) {
  for (std::int64_t row = 0; row < rows; ++row) {
    const T *x = in + row * width;
    T *y = out + row * width;
    T sum = 0;
    for (std::int64_t i = 0; i < width; ++i)
      sum += x[i];
    T mean = sum / T(width);
    T squares = 0;
    for (std::int64_t i = 0; i < width; ++i)
      squares += (x[i] - mean) * (x[i] - mean);
    T inverse = T(1) / std::sqrt(squares / T(width) + T(epsilon));
    for (std::int64_t i = 0; i < width; ++i)
      y[i] = (x[i] - mean) * inverse * gamma[i] + beta[i];
  }
}

template <typename T> void softmax(std::int64_t rows, std::int64_t width, const T *in, T *out) {
  for (std::int64_t row = 0; row < rows; ++row) {
    const T *x = in + row * width;
    T *y = out + row * width;
    T largest = *std::max_element(x, x + width);
    T sum = 0;
    for (std::int64_t i = 0; i < width; ++i) {
      y[i] = std::exp(x[i] - largest);
      sum += y[i];
    }
    T inverse = T(1) / sum;
    for (std::int64_t i = 0; i < width; ++i)
      y[i] *= inverse;
  }
}

template <typename T> void gelu(std::int64_t count, const T *in, T *out) {
  const T kSqrtTwoOverPi = T(0.7978845608028654);
  for (std::int64_t i = 0; i < count; ++i) {
    T x = in[i];
    out[i] = T(0.5) * x * (T(1) + std::tanh(kSqrtTwoOverPi * (x + T(0.044715) * x * x * x)));
  }
}

#define GPT2C_INSTANTIATE(T)                                                                       \
  template void matmul<T>(std::int64_t, std::int64_t, std::int64_t, const T *, std::int64_t,      \
                          const T *, std::int64_t, T *, std::int64_t, bool);                      \
  template void transpose<T>(std::int64_t, std::int64_t, const T *, T *);                         \
  template void layerNorm<T>(std::int64_t, std::int64_t, const T *, const T *, const T *, double, \
                             T *);                                                                 \
  template void softmax<T>(std::int64_t, std::int64_t, const T *, T *);                           \
  template void gelu<T>(std::int64_t, const T *, T *);
GPT2C_INSTANTIATE(float)
GPT2C_INSTANTIATE(double)
#undef GPT2C_INSTANTIATE

} // namespace gpt2c::interp::kernels
