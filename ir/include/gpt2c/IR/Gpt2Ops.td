#ifndef GPT2C_IR_GPT2OPS_TD
#define GPT2C_IR_GPT2OPS_TD

include "gpt2c/IR/Gpt2Dialect.td"
include "gpt2c/IR/Gpt2Attrs.td"
include "gpt2c/IR/Gpt2Interfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Gpt2_Activation : RankedTensorOf<[F32]>;
// Weights keep their storage type: float, or int8 with a #gpt2.int8 encoding
// that says how to dequantize them (checked by the verifiers of their users).
def Gpt2_WeightTensor : RankedTensorOf<[F32, F16, BF16, I8]>;
def Gpt2_TokenIds : RankedTensorOf<[I32]>;

// A side-effect-free tensor computation whose result shapes follow from its operands.
class Gpt2_ComputeOp<string mnemonic, list<Trait> traits = []>
    : Gpt2_Op<mnemonic, !listconcat([Pure, DeclareOpInterfaceMethods<Gpt2_ShapeRefinementOpInterface>],
                                    traits)>;

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def Gpt2_WeightStoreOp : Gpt2_Op<"weight_store", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "Names the store the module's weights come from";
  let description = [{
    Weights are never inlined in the IR. A module declares where they come from
    (a Hugging Face directory, or `synthetic:CONFIG:SEED`) and `gpt2.weight`
    refers to tensors of the store by name.

    ```mlir
    gpt2.weight_store @weights "synthetic:tiny:1"
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$source);
  let assemblyFormat = "$sym_name $source attr-dict";
  let hasVerifier = 1;
}

def Gpt2_WeightOp : Gpt2_Op<"weight", [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "A named tensor of a weight store";
  let description = [{
    The result's shape and element type are the tensor's shape and storage
    dtype (f32, f16 or bf16); users compute in float32.

    ```mlir
    %w = gpt2.weight @weights["h.0.attn.c_attn.weight"] : tensor<64x192xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$store, StrAttr:$tensor_name);
  let results = (outs Gpt2_WeightTensor:$result);
  let assemblyFormat = "$store `[` $tensor_name `]` attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Embeddings
//===----------------------------------------------------------------------===//

def Gpt2_PositionIdsOp : Gpt2_ComputeOp<"position_ids", []> {
  let summary = "Positions of the new tokens: P + t for token t of each sequence";
  let arguments = (ins Gpt2_TokenIds:$ids, Index:$past_length);
  let results = (outs Gpt2_TokenIds:$result);
  let assemblyFormat = "$ids `,` $past_length attr-dict `:` type($ids) `->` type($result)";
  let hasVerifier = 1;
}

def Gpt2_EmbeddingOp : Gpt2_ComputeOp<"embedding", []> {
  let summary = "Row lookup: result[b, t, :] = table[ids[b, t], :]";
  let description = [{
    Token embeddings (`wte`, [V, E]) or position embeddings (`wpe`, [n_positions, E]).
    Indices out of range are a run-time error of the executor.
  }];
  let arguments = (ins Gpt2_WeightTensor:$table, Gpt2_TokenIds:$ids);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Per-token layers
//===----------------------------------------------------------------------===//

def Gpt2_LayerNormOp : Gpt2_ComputeOp<"layer_norm", []> {
  let summary = "Layer normalisation over the last dimension, with gain and bias";
  let arguments = (ins Gpt2_Activation:$input, Gpt2_WeightTensor:$gamma,
                       Gpt2_WeightTensor:$beta, F64Attr:$epsilon);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma) `,` type($beta)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Gpt2_LinearOp : Gpt2_ComputeOp<"linear", []> {
  let summary = "input [..., K] times weight [K, N] plus bias [N]";
  let description = [{
    GPT-2's Conv1D: the weight is stored [in, out] as in Hugging Face checkpoints.
  }];
  let arguments = (ins Gpt2_Activation:$input, Gpt2_WeightTensor:$weight,
                       Gpt2_WeightTensor:$bias);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` type($input) `,` type($weight) `,` type($bias)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Gpt2_GeluOp : Gpt2_ComputeOp<"gelu", [AllTypesMatch<["input", "result"]>]> {
  let summary = "GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))";
  let arguments = (ins Gpt2_Activation:$input);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Gpt2_AddOp : Gpt2_ComputeOp<"add", [Commutative]> {
  let summary = "Elementwise sum of two activations of the same shape (residual)";
  let arguments = (ins Gpt2_Activation:$lhs, Gpt2_Activation:$rhs);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Heads
//===----------------------------------------------------------------------===//

def Gpt2_SplitQkvOp : Gpt2_ComputeOp<"split_qkv", []> {
  let summary = "Splits the fused QKV projection [B, T, 3E] into heads [B, H, T, D] x 3";
  let arguments = (ins Gpt2_Activation:$qkv, I64Attr:$num_heads);
  let results = (outs Gpt2_Activation:$query, Gpt2_Activation:$key, Gpt2_Activation:$value);
  let assemblyFormat = [{
    $qkv `heads` `(` $num_heads `)` attr-dict `:` type($qkv) `->` type($query) `,` type($key)
    `,` type($value)
  }];
  let hasVerifier = 1;
}

def Gpt2_MergeHeadsOp : Gpt2_ComputeOp<"merge_heads", []> {
  let summary = "Joins heads [B, H, T, D] into [B, T, H*D]";
  let arguments = (ins Gpt2_Activation:$input);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// KV cache
//===----------------------------------------------------------------------===//

def Gpt2_CacheWriteOp : Gpt2_ComputeOp<"cache_write", []> {
  let summary = "Writes new keys or values [B, H, T, D] at positions [P, P+T) of a cache";
  let description = [{
    The cache is a [B, H, C, D] tensor of capacity C (n_positions); the result is
    the updated cache. Writing past the capacity is a run-time error.
  }];
  let arguments = (ins Gpt2_Activation:$cache, Gpt2_Activation:$update, Index:$position);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = [{
    $update `into` $cache `at` $position attr-dict `:` type($update) `,` type($cache)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Gpt2_CacheReadOp : Gpt2_ComputeOp<"cache_read", []> {
  let summary = "The first L positions [B, H, L, D] of a [B, H, C, D] cache";
  let arguments = (ins Gpt2_Activation:$cache, Index:$length);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = [{
    $cache `[` $length `]` attr-dict `:` type($cache) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention primitives
//===----------------------------------------------------------------------===//

def Gpt2_BatchMatmulOp : Gpt2_ComputeOp<"batch_matmul", []> {
  let summary = "Per (batch, head) matrix product; `transpose_rhs` multiplies by rhs^T";
  let description = [{
    lhs [B, H, M, K] times rhs [B, H, K, N] (or rhs^T for rhs [B, H, N, K] with
    `transpose_rhs`) gives [B, H, M, N]. Attention uses Q K^T and P V.
  }];
  let arguments = (ins Gpt2_Activation:$lhs, Gpt2_Activation:$rhs, UnitAttr:$transpose_rhs);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_rhs` $transpose_rhs^)? attr-dict `:` type($lhs) `,` type($rhs)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Gpt2_ScaleOp : Gpt2_ComputeOp<"scale", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Multiplies every element by a constant factor";
  let arguments = (ins Gpt2_Activation:$input, F32Attr:$factor);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = "$input `by` $factor attr-dict `:` type($input)";
}

def Gpt2_CausalMaskOp : Gpt2_ComputeOp<"causal_mask", [AllTypesMatch<["scores", "result"]>]> {
  let summary = "Masks scores [B, H, T, S] of keys after each query's own position";
  let description = [{
    Query t of the new tokens sits at position P + t; key j is masked (set to the
    lowest finite float32, as transformers does) when j > P + t. Keys beyond the
    valid cache length are therefore masked too.
  }];
  let arguments = (ins Gpt2_Activation:$scores, Index:$past_length);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = "$scores `past` $past_length attr-dict `:` type($scores)";
  let hasVerifier = 1;
}

def Gpt2_SoftmaxOp : Gpt2_ComputeOp<"softmax", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Softmax over the last dimension";
  let arguments = (ins Gpt2_Activation:$input);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

def Gpt2_LmHeadOp : Gpt2_ComputeOp<"lm_head", []> {
  let summary = "Logits [..., V] = input [..., E] times weight^T, weight [V, E]";
  let description = [{
    The weight is the token embedding `wte` for tied checkpoints (every GPT-2)
    or `lm_head.weight` otherwise.
  }];
  let arguments = (ins Gpt2_Activation:$input, Gpt2_WeightTensor:$weight);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fused operations (produced by the fusion passes)
//===----------------------------------------------------------------------===//

def Gpt2_FusedLinearOp : Gpt2_ComputeOp<"fused_linear", [AttrSizedOperandSegments]> {
  let summary = "Linear layer with a fused layer-norm prologue, GELU and residual epilogues";
  let description = [{
    result = residual + act(norm(input) * weight + bias), where `norm` is a layer
    norm with `gamma`, `beta` and `epsilon` when present, `act` is the tanh GELU
    when `gelu` is set, and `residual` is added when present. Code generation
    emits one kernel for it. GPT-2 uses norm (QKV, MLP up), gelu (MLP up) and
    residual (attention and MLP output projections).

    ```mlir
    %up = gpt2.fused_linear %h, %w, %b norm(%g, %beta, 1.0e-05 : f64 : tensor<768xf32>, tensor<768xf32>) gelu
        : tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32> -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Gpt2_Activation:$input, Gpt2_WeightTensor:$weight,
                       Gpt2_WeightTensor:$bias, Optional<Gpt2_WeightTensor>:$gamma,
                       Optional<Gpt2_WeightTensor>:$beta, Optional<Gpt2_Activation>:$residual,
                       OptionalAttr<F64Attr>:$epsilon, UnitAttr:$gelu);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias
    (`norm` `(` $gamma^ `,` $beta `,` $epsilon `:` type($gamma) `,` type($beta) `)`)?
    (`gelu` $gelu^)?
    (`residual` `(` $residual^ `:` type($residual) `)`)?
    attr-dict `:` type($input) `,` type($weight) `,` type($bias) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Gpt2_EmbedOp : Gpt2_ComputeOp<"embed"> {
  let summary = "Token plus position embedding: wte[ids[b, t]] + wpe[P + t]";
  let description = [{
    The fused form of position_ids, the two embedding lookups and their sum, so
    that code generation emits one kernel for the model's input.
  }];
  let arguments = (ins Gpt2_WeightTensor:$tokens, Gpt2_WeightTensor:$positions,
                       Gpt2_TokenIds:$ids, Index:$past_length);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = [{
    $tokens `,` $positions `[` $ids `]` `past` $past_length attr-dict `:` type($tokens) `,`
    type($positions) `,` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Gpt2_AttentionOp : Gpt2_ComputeOp<"attention"> {
  let summary = "Fused multi-head attention of queries over the first `length` cache positions";
  let description = [{
    For queries [B, H, T, D] at positions P + t (P = `past_length`) and key and
    value caches [B, H, C, D], computes softmax(scale * Q K^T) V over the key
    positions [0, length), masking keys j > P + t when `causal`. Never
    materialises more than one row of scores per query in compiled code.
    `length` is a run-time value: decode reads the P + 1 valid positions only.
  }];
  let arguments = (ins Gpt2_Activation:$query, Gpt2_Activation:$keys, Gpt2_Activation:$values,
                       Index:$past_length, Index:$length, F32Attr:$scale, UnitAttr:$causal);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = [{
    $query `,` $keys `,` $values `past` $past_length `length` $length `scale` $scale
    (`causal` $causal^)? attr-dict `:` type($query) `,` type($keys) `,` type($values)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Gpt2_LastTokenOp : Gpt2_ComputeOp<"last_token"> {
  let summary = "The last position along the token axis: [.., T, ..] -> [.., 1, ..]";
  let description = [{
    Inserted by context pruning where only the last token's values are demanded
    (prefill logits); patterns move it towards the inputs through row-wise ops.
  }];
  let arguments = (ins Gpt2_Activation:$input, I64Attr:$axis);
  let results = (outs Gpt2_Activation:$result);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // GPT2C_IR_GPT2OPS_TD
