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

#endif // GPT2C_IR_GPT2INTERFACES_TD
