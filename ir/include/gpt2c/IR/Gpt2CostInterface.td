#ifndef GPT2C_IR_GPT2COSTINTERFACE_TD
#define GPT2C_IR_GPT2COSTINTERFACE_TD

include "mlir/IR/OpBase.td"

def Gpt2_CostModelOpInterface : OpInterface<"CostModelOpInterface"> {
  let cppNamespace = "::gpt2c::gpt2";
  let description = [{
    An operation whose floating-point work and memory traffic follow from its
    operand and result types (and constant index operands). The cost report
    (`gpt2-cost`) sums it over a function specialised to static shapes, so that
    schedule selection and benchmarks can compare phases and kernels. The
    counting conventions are documented in gpt2c/IR/Gpt2CostInterface.h; every
    gpt2 op implements the interface through external models registered by
    `registerCostModels`.
  }];
  let methods = [
    InterfaceMethod<
      "Returns the FLOPs and bytes of one execution. Dimensions that are still "
      "dynamic count as 0, so callers specialise the shapes first.",
      "::gpt2c::gpt2::OpCost", "estimateCost", (ins)>,
    InterfaceMethod<
      "Describes the assumptions behind the estimate that the types do not show "
      "(e.g. the number of key positions read and where it came from); empty when "
      "there are none.",
      "std::string", "describeCostAssumptions", (ins), [{}], [{ return {}; }]>,
  ];
}

#endif // GPT2C_IR_GPT2COSTINTERFACE_TD
