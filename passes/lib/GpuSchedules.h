#pragma once
// Schedules of the sm_90 kernels (fields as codegen/ptx/include/gpt2c/codegen/ptx/
// Kernels.h names them), chosen by SelectSchedules for target sm_90.
#include "mlir/IR/Operation.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace gpt2c {

// The schedule of a kernel op in a phase (`decode`: one token per sequence), or
// nothing for ops that are views. `prefillRows`: the rows of a prefill of the
// whole context, which the product tiles are sized for.
std::optional<nlohmann::json> chooseGpuSchedule(mlir::Operation *op, bool decode,
                                                int64_t prefillRows);

} // namespace gpt2c
