#ifndef GPT2C_PASSES_TD
#define GPT2C_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseAttention : Pass<"gpt2-fuse-attention", "::mlir::func::FuncOp"> {
  let summary = "Fuse the attention primitives into gpt2.attention";
  let description = [{
    Rewrites cache_read x 2, batch_matmul Q K^T, scale by 1/sqrt(D),
    causal_mask, softmax and batch_matmul by V into one gpt2.attention that
    reads the caches directly and carries heads, scale, causality and the
    valid-length operand. Broken patterns are left alone: an intermediate with
    a second user, a missing (non-causal) mask, a scale other than 1/sqrt(D),
    reads of different lengths.
  }];
  let dependentDialects = ["::gpt2c::gpt2::Gpt2Dialect"];
}

def FuseLinear : Pass<"gpt2-fuse-linear", "::mlir::func::FuncOp"> {
  let summary = "Fuse layer-norm prologues and GELU / residual epilogues into gpt2.fused_linear";
  let description = [{
    A linear whose input is a layer norm used nowhere else takes it as a
    prologue (QKV and MLP up); a linear whose only user is a GELU takes it as
    an activation (MLP up); a linear whose only user is an add takes the other
    operand as a residual (the output projections). Code generation then emits
    one kernel per fused_linear.
  }];
  let dependentDialects = ["::gpt2c::gpt2::Gpt2Dialect"];
}

def FuseEmbeddings : Pass<"gpt2-fuse-embeddings", "::mlir::func::FuncOp"> {
  let summary = "Fuse the token and position embeddings and their sum into gpt2.embed";
  let description = [{
    add(embedding(wte, ids), embedding(wpe, position_ids(ids, P))) becomes one
    gpt2.embed, when the lookups have no other user and the positions are those
    of the same ids.
  }];
  let dependentDialects = ["::gpt2c::gpt2::Gpt2Dialect"];
}

def SplitPhases : Pass<"gpt2-split-phases", "::mlir::ModuleOp"> {
  let summary = "Specialise @forward into @prefill (P = 0) and @decode (T = 1)";
  let description = [{
    Clones the imported forward step into @prefill(ids [B, T], caches) with the
    past length fixed to 0, whose logits are demanded for the last position
    only (`gpt2.logits = "last"`), and @decode(ids [B, 1], past, caches). With
    `score`, also @score: a prefill that returns every position's logits (for
    perplexity and prompt log-probabilities). Each phase's shapes are refined
    and its constants folded; @forward is removed unless `keep-forward`.
  }];
  let options = [
    Option<"score", "score", "bool", /*default=*/"false",
           "Also emit @score, a prefill returning the logits of every position">,
    Option<"keepForward", "keep-forward", "bool", /*default=*/"false",
           "Keep @forward beside the phases">,
  ];
  let dependentDialects = ["::gpt2c::gpt2::Gpt2Dialect", "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def PruneContext : Pass<"gpt2-prune-context", "::mlir::func::FuncOp"> {
  let summary = "Compute only what is demanded: last-position logits, valid cache positions";
  let description = [{
    (a) In functions marked `gpt2.logits = "last"`, only the last position's
    logits are returned; the demand moves backwards through row-wise ops so
    that the LM head, the final layer norm and the last layer after its QKV
    projection run on one row per sequence. (b) Causal attention reads the
    P + T valid cache positions instead of the whole window. (c) Dead values
    are removed.
  }];
  let dependentDialects = ["::gpt2c::gpt2::Gpt2Dialect", "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def RefineShapes : Pass<"gpt2-refine-shapes", "::mlir::func::FuncOp"> {
  let summary = "Make result shapes as static as the operands allow";
  let description = [{
    Recomputes every result type through ShapeRefinementOpInterface, in program
    order, and updates the function's result types to match what it returns.
  }];
}

def SelectSchedules : Pass<"gpt2-select-schedules", "::mlir::ModuleOp"> {
  let summary = "Attach a kernel schedule (gpt2.schedule) to every kernel op of each phase";
  let description = [{
    For target x86-avx512: an analytic model compares each op's arithmetic
    intensity (FLOPs per byte moved, as the cost report counts them, at the
    phase's typical row count) with the machine balance (peak FLOP/s over read
    bandwidth). Memory-bound products (decode, the pruned LM head) get a
    matrix-vector schedule that streams each weight byte once, split across the
    threads; compute-bound ones (prefill) get register-tiled matrix products.
    Entries of a tuning database (`gpt2c tune`), keyed by target, op kind, shapes,
    storage type and phase, override the model. Schedules are visible in the IR.

    For target sm_90: matrix-vector blocks streaming whole weight rows for
    products of few rows (decode, the pruned last layer, float32 weights), sized
    to give every multiprocessor several blocks; tensor-core tiles (mma.sync,
    64 x 64 x 32) for prefill products with 16-bit weights; split-key attention
    for one query per sequence and flash tiles for many.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"x86-avx512\"", "Code generation target">,
    Option<"tuningDb", "tuning-db", "std::string", /*default=*/"\"\"", "Tuning database (JSON)">,
    Option<"threads", "threads", "int64_t", /*default=*/"2", "Threads the kernels are split for">,
    Option<"bandwidth", "bandwidth-gbs", "double", /*default=*/"30.0",
           "Measured read bandwidth of the machine, GB/s">,
    Option<"peak", "peak-gflops", "double", /*default=*/"200.0",
           "Measured float32 FMA peak of the machine, GFLOP/s">,
    Option<"prefillRows", "prefill-rows", "int64_t", /*default=*/"128",
           "Rows per product assumed for prefill and score">,
  ];
}

def WeightPrecision : Pass<"gpt2-weight-precision", "::mlir::ModuleOp"> {
  let summary = "Store weights as bf16, f16 or int8 while computing in float32";
  let description = [{
    Narrows the storage type of the weight matrices (and embeddings): bf16 or
    f16, or int8 with symmetric per-output-channel scales (optionally per group
    of `group-size` values); embeddings per row. Vectors (biases, layer-norm
    parameters) stay float32.

    Roles come from the users. A linear / fused_linear weight [K, N] follows
    `weights` (int8: `#gpt2.int8<axis = 1, group_size = G>`); an embedding table
    or LM-head matrix [rows, E] follows `embeddings` (int8: axis = 0, one scale
    per row or per group of G values along E), so the tied `wte` read by both
    the embedding and the LM head gets one encoding that serves both. A tensor
    is narrowed only when every use of every `gpt2.weight` naming it (one per
    phase) reads it in the same role; all those ops get the same type. Biases,
    layer-norm parameters and weights with other users are left as they are.

    `f32` leaves weights as they are (an f16 checkpoint stays f16); bf16 / f16
    convert any float storage, including f16 <-> bf16, since the interpreter and
    the runtime round the store's values to the declared type. An int8 weight
    is never widened back to a float, and re-quantizing it with another encoding
    is an error. The pass is idempotent. Errors (reported at the module, or at
    the weight): an unknown storage name, a negative group size, a group size
    without int8 storage, a group size that does not divide a channel.
  }];
  let options = [
    Option<"weights", "weights", "std::string", /*default=*/"\"bf16\"",
           "Storage of the weight matrices: f32, bf16, f16 or int8">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"0",
           "int8 only: values per scale along the input dimension (0: one per channel)">,
    Option<"embeddings", "embeddings", "std::string", /*default=*/"\"\"",
           "Storage of wte/wpe: f32, bf16, f16 or int8 (default: as the matrices)">,
  ];
  let dependentDialects = ["::gpt2c::gpt2::Gpt2Dialect"];
}

def CostReport : Pass<"gpt2-cost", "::mlir::ModuleOp"> {
  let summary = "Print FLOPs and bytes moved per op and per phase";
  let description = [{
    For the given batch B, new tokens T and past tokens P, specialises a copy
    of each function, refines its shapes and prints, per op and per function,
    the floating-point operations and the bytes read and written (weights at
    their storage type). The IR is not changed.
  }];
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"1", "Sequences per step (B)">,
    Option<"tokens", "tokens", "int64_t", /*default=*/"1",
           "New tokens per sequence (T); decode functions always use 1">,
    Option<"past", "past", "int64_t", /*default=*/"0",
           "Tokens already in the cache (P); prefill functions always use 0">,
    Option<"json", "json", "bool", /*default=*/"false", "Print JSON instead of a table">,
  ];
}

#endif // GPT2C_PASSES_TD
