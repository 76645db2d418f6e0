#include "Kernels.h"

namespace gpt2c::halide {

void emitSmokeKernel(const std::string &outputDir, const Halide::Target &target) {
  using namespace Halide;
  ImageParam x(Float(32), 1, "x"), y(Float(32), 1, "y");
  Param<float> a("a");
  Var i("i");
  Func axpy("smoke_axpy");
  axpy(i) = a * x(i) + y(i);
  const int lanes = target.natural_vector_size<float>();
  axpy.vectorize(i, lanes, TailStrategy::GuardWithIf);
  axpy.compile_to({{OutputFileType::object, outputDir + "/smoke_axpy.o"},
                   {OutputFileType::c_header, outputDir + "/smoke_axpy.h"}},
                  {a, x, y}, "smoke_axpy", target);
}

} // namespace gpt2c::halide
