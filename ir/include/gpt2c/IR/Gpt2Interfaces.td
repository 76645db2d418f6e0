#ifndef GPT2C_IR_GPT2INTERFACES_TD
#define GPT2C_IR_GPT2INTERFACES_TD

include "mlir/IR/OpBase.td"

def Gpt2_EvaluableOpInterface : OpInterface<"EvaluableOpInterface"> {
  let cppNamespace = "::gpt2c::gpt2";
  let description = [{
    An operation the reference interpreter can execute: it reads its operands'
    run-time values from the frame and stores its results there. Every gpt2 op
    and every upstream op the pipeline produces implements it (as an external
    model registered by the interpreter library), so any IR, before or after any
    pass, can be run and compared.
  }];
  let methods = [
    InterfaceMethod<
      "Computes the results from the operands held in `frame`; throws gpt2c::Error "
      "(with the op's location) on invalid run-time values.",
      "void", "evaluate", (ins "::gpt2c::interp::Frame &":$frame)>,
  ];
}

def Gpt2_ShapeRefinementOpInterface : OpInterface<"ShapeRefinementOpInterface"> {
  let cppNamespace = "::gpt2c::gpt2";
  let description = [{
    An operation whose result shapes follow from its operand types (and constant
    index operands). Shape refinement uses it to make dimensions static after
    specialisation, e.g. T = 1 in the decode phase, so that every op of a phase
    carries the shapes its kernel is generated for.
  }];
  let methods = [
    InterfaceMethod<
      "Returns the result types implied by the operands, each at least as precise "
      "as the current result type (static wherever operands or the current type are).",
      "::llvm::SmallVector<::mlir::Type>", "refineResultTypes", (ins)>,
  ];
}

#endif // GPT2C_IR_GPT2INTERFACES_TD
