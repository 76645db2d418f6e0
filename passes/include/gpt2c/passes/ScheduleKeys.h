#pragma once
// Keys of the tuning database (`gpt2c tune` writes it, gpt2-select-schedules reads
// it): "OP:WORKLOAD:PHASE", e.g. "gpt2.fused_linear:768x3072:f32:decode".
#include "mlir/IR/Operation.h"

#include <string>

namespace gpt2c {

// The key of a kernel op inside a phase function (PHASE: its "gpt2.phase", which
// @score shares with @prefill; "forward" without one), or "" for an op without a
// kernel schedule. WORKLOAD:
//   fused_linear  KxN:TYPE (element type)
//   lm_head       the weight's tensor type
//   attention     one-query | many-queries
//   embed, layer_norm, split_qkv   decode | prefill
// plus ":one-row" (but attention) where a phase other than decode runs the op on
// one row (the pruned last layer of @prefill): such ops want decode's schedules,
// the same op of @score or of the other layers, many rows, does not.
std::string scheduleKey(mlir::Operation *op);

// Whether `op` computes one row (token) per sequence: every op of decode and,
// elsewhere, ops whose input has one row by its static shape.
bool computesOneRow(mlir::Operation *op);

} // namespace gpt2c
