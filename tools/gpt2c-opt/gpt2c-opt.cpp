// gpt2c-opt: runs gpt2c's passes (and the upstream ones its pipeline uses) on
// textual IR, in the manner of mlir-opt. Used by the lit tests.
#include "gpt2c/IR/Gpt2Dialect.h"
#include "gpt2c/passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<gpt2c::gpt2::Gpt2Dialect, mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::tensor::TensorDialect>();
  mlir::registerTransformsPasses(); // canonicalize, cse, symbol-dce, ...
  gpt2c::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "gpt2c optimizer driver\n", registry));
}
