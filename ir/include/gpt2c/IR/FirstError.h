#pragma once
// The first error an MLIR context reports while it is in scope, as one line
// "LOCATION: message": what turns a failed parse, pipeline or lowering into one
// gpt2c::Error.
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace gpt2c {

class FirstError {
public:
  explicit FirstError(mlir::MLIRContext &context)
      : handler_(&context, [this](mlir::Diagnostic &diagnostic) {
          if (first_.empty() && diagnostic.getSeverity() == mlir::DiagnosticSeverity::Error) {
            llvm::raw_string_ostream os(first_);
            os << diagnostic.getLocation() << ": " << diagnostic;
          }
          return mlir::success();
        }) {}

  // The first error, or "failed" when none was reported.
  std::string message() const { return first_.empty() ? "failed" : first_; }

private:
  std::string first_;
  mlir::ScopedDiagnosticHandler handler_;
};

} // namespace gpt2c
