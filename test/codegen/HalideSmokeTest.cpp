// Proves that Halide 14 (LLVM 14) and the LLVM 22 build coexist: the generator,
// built as its own CMake project and run as a subprocess, emitted smoke_axpy and
// a Halide runtime; this test links them without any LLVM and checks the result
// against a plain loop, including a length that is not a multiple of the vector width.
#include "HalideRuntime.h"
#include "smoke_axpy.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

halide_buffer_t vectorBuffer(std::vector<float> &data, halide_dimension_t &dim) {
  dim = {0, static_cast<int32_t>(data.size()), 1, 0};
  halide_buffer_t buffer{};
  buffer.host = reinterpret_cast<uint8_t *>(data.data());
  buffer.type = halide_type_t(halide_type_float, 32);
  buffer.dimensions = 1;
  buffer.dim = &dim;
  return buffer;
}

} // namespace

int main() {
  for (int length : {1, 15, 16, 100, 1003}) {
    std::vector<float> x(length), y(length), out(length);
    for (int i = 0; i < length; ++i) {
      x[i] = 0.5f * float(i) - 3.0f;
      y[i] = 1.0f / float(i + 1);
    }
    halide_dimension_t xDim, yDim, outDim;
    halide_buffer_t xBuffer = vectorBuffer(x, xDim), yBuffer = vectorBuffer(y, yDim),
                    outBuffer = vectorBuffer(out, outDim);
    const float a = 2.5f;
    if (int status = smoke_axpy(a, &xBuffer, &yBuffer, &outBuffer); status != 0) {
      std::fprintf(stderr, "smoke_axpy failed with status %d (length %d)\n", status, length);
      return EXIT_FAILURE;
    }
    for (int i = 0; i < length; ++i) {
      float expected = a * x[i] + y[i];
      if (std::abs(out[i] - expected) > 1e-6f * std::abs(expected) + 1e-7f) {
        std::fprintf(stderr, "length %d, element %d: got %g, expected %g\n", length, i, out[i],
                     expected);
        return EXIT_FAILURE;
      }
    }
  }
  std::puts("halide smoke kernel: all lengths match");
  return EXIT_SUCCESS;
}
