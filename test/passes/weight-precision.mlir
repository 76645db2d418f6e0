// RUN: gpt2c-opt %s --gpt2-weight-precision=weights=bf16 | FileCheck %s --check-prefixes=COMMON,BF16
// RUN: gpt2c-opt %s --gpt2-weight-precision=weights=f16 | FileCheck %s --check-prefixes=COMMON,F16
// RUN: gpt2c-opt %s --gpt2-weight-precision=weights=int8 | FileCheck %s --check-prefixes=COMMON,INT8
// RUN: gpt2c-opt %s --gpt2-weight-precision="weights=int8 group-size=4" | FileCheck %s --check-prefixes=COMMON,GROUP
// RUN: gpt2c-opt %s --gpt2-weight-precision="weights=int8 embeddings=bf16" | FileCheck %s --check-prefixes=COMMON,MIXED
// RUN: gpt2c-opt %s --gpt2-weight-precision="weights=bf16 embeddings=f32" | FileCheck %s --check-prefixes=COMMON,KEEPEMB
// RUN: gpt2c-opt %s --gpt2-weight-precision=weights=f32 | FileCheck %s --check-prefixes=COMMON,F32

// Idempotence: a second run with the same options changes nothing.
// RUN: gpt2c-opt %s --gpt2-weight-precision="weights=int8 group-size=4" -o %t.once.mlir
// RUN: gpt2c-opt %t.once.mlir --gpt2-weight-precision="weights=int8 group-size=4" -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir
// RUN: gpt2c-opt %s --gpt2-weight-precision=weights=bf16 -o %t.bf16.mlir
// RUN: gpt2c-opt %t.bf16.mlir --gpt2-weight-precision=weights=bf16 -o %t.bf16-twice.mlir
// RUN: diff %t.bf16.mlir %t.bf16-twice.mlir
// An int8 weight is never widened back by a float request.
// RUN: gpt2c-opt %t.once.mlir --gpt2-weight-precision=weights=bf16 | FileCheck %s --check-prefixes=COMMON,GROUP

// One block of a GPT-2 of E = 8, V = 10, 16 positions, inner width 32: the tied
// `wte` feeds both the embedding and the LM head; the f16 `wpe` and MLP output
// projection are stored as in an f16 checkpoint.
module {
  gpt2.weight_store @weights "synthetic:tiny:1"

  // COMMON-LABEL: func.func @forward
  func.func @forward(%ids: tensor<?x?xi32>, %past: index) -> tensor<?x?x10xf32> {
    // BF16:    %[[WTE:.*]] = gpt2.weight @weights["wte.weight"] : tensor<10x8xbf16>
    // F16:     %[[WTE:.*]] = gpt2.weight @weights["wte.weight"] : tensor<10x8xf16>
    // INT8:    %[[WTE:.*]] = gpt2.weight @weights["wte.weight"] : tensor<10x8xi8, #gpt2.int8<axis = 0, group_size = 0>>
    // GROUP:   %[[WTE:.*]] = gpt2.weight @weights["wte.weight"] : tensor<10x8xi8, #gpt2.int8<axis = 0, group_size = 4>>
    // MIXED:   %[[WTE:.*]] = gpt2.weight @weights["wte.weight"] : tensor<10x8xbf16>
    // KEEPEMB: %[[WTE:.*]] = gpt2.weight @weights["wte.weight"] : tensor<10x8xf32>
    // F32:     %[[WTE:.*]] = gpt2.weight @weights["wte.weight"] : tensor<10x8xf32>
    %wte = gpt2.weight @weights["wte.weight"] : tensor<10x8xf32>
    // BF16:    gpt2.weight @weights["wpe.weight"] : tensor<16x8xbf16>
    // F16:     gpt2.weight @weights["wpe.weight"] : tensor<16x8xf16>
    // INT8:    gpt2.weight @weights["wpe.weight"] : tensor<16x8xi8, #gpt2.int8<axis = 0, group_size = 0>>
    // GROUP:   gpt2.weight @weights["wpe.weight"] : tensor<16x8xi8, #gpt2.int8<axis = 0, group_size = 4>>
    // MIXED:   gpt2.weight @weights["wpe.weight"] : tensor<16x8xbf16>
    // KEEPEMB: gpt2.weight @weights["wpe.weight"] : tensor<16x8xf16>
    // F32:     gpt2.weight @weights["wpe.weight"] : tensor<16x8xf16>
    %wpe = gpt2.weight @weights["wpe.weight"] : tensor<16x8xf16>
    // COMMON: gpt2.embedding %[[WTE]]
    %tok = gpt2.embedding %wte[%ids] : tensor<10x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
    %pos_ids = gpt2.position_ids %ids, %past : tensor<?x?xi32> -> tensor<?x?xi32>
    %pos = gpt2.embedding %wpe[%pos_ids] : tensor<16x8xf16>, tensor<?x?xi32> -> tensor<?x?x8xf32>
    %h = gpt2.add %tok, %pos : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x8xf32>

    // Layer-norm parameters and biases stay as they are, whatever the option.
    // COMMON: gpt2.weight @weights["h.0.ln_2.weight"] : tensor<8xf32>
    // COMMON: gpt2.weight @weights["h.0.ln_2.bias"] : tensor<8xf32>
    %gamma = gpt2.weight @weights["h.0.ln_2.weight"] : tensor<8xf32>
    %beta = gpt2.weight @weights["h.0.ln_2.bias"] : tensor<8xf32>
    // BF16:    gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<8x32xbf16>
    // F16:     gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<8x32xf16>
    // INT8:    gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<8x32xi8, #gpt2.int8<axis = 1, group_size = 0>>
    // GROUP:   gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<8x32xi8, #gpt2.int8<axis = 1, group_size = 4>>
    // MIXED:   gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<8x32xi8, #gpt2.int8<axis = 1, group_size = 0>>
    // KEEPEMB: gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<8x32xbf16>
    // F32:     gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<8x32xf32>
    // COMMON:  gpt2.weight @weights["h.0.mlp.c_fc.bias"] : tensor<32xf32>
    %w1 = gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<8x32xf32>
    %b1 = gpt2.weight @weights["h.0.mlp.c_fc.bias"] : tensor<32xf32>
    %up = gpt2.fused_linear %h, %w1, %b1 norm(%gamma, %beta, 1.0e-05 : tensor<8xf32>, tensor<8xf32>) gelu : tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32> -> tensor<?x?x32xf32>
    // BF16:    gpt2.weight @weights["h.0.mlp.c_proj.weight"] : tensor<32x8xbf16>
    // F16:     gpt2.weight @weights["h.0.mlp.c_proj.weight"] : tensor<32x8xf16>
    // INT8:    gpt2.weight @weights["h.0.mlp.c_proj.weight"] : tensor<32x8xi8, #gpt2.int8<axis = 1, group_size = 0>>
    // GROUP:   gpt2.weight @weights["h.0.mlp.c_proj.weight"] : tensor<32x8xi8, #gpt2.int8<axis = 1, group_size = 4>>
    // F32:     gpt2.weight @weights["h.0.mlp.c_proj.weight"] : tensor<32x8xf16>
    // COMMON:  gpt2.weight @weights["h.0.mlp.c_proj.bias"] : tensor<8xf16>
    %w2 = gpt2.weight @weights["h.0.mlp.c_proj.weight"] : tensor<32x8xf16>
    %b2 = gpt2.weight @weights["h.0.mlp.c_proj.bias"] : tensor<8xf16>
    %out = gpt2.linear %up, %w2, %b2 : tensor<?x?x32xf32>, tensor<32x8xf16>, tensor<8xf16> -> tensor<?x?x8xf32>
    // COMMON: gpt2.lm_head %{{.*}}, %[[WTE]]
    %logits = gpt2.lm_head %out, %wte : tensor<?x?x8xf32>, tensor<10x8xf32> -> tensor<?x?x10xf32>
    return %logits : tensor<?x?x10xf32>
  }

  // Another phase names the same tensors with ops of its own: they get the same
  // types. The fused token + position embedding reads both tables by rows.
  // COMMON-LABEL: func.func @decode
  func.func @decode(%ids: tensor<?x1xi32>, %past: index) -> tensor<?x1x10xf32> {
    // INT8:  gpt2.weight @weights["wte.weight"] : tensor<10x8xi8, #gpt2.int8<axis = 0, group_size = 0>>
    // INT8:  gpt2.weight @weights["wpe.weight"] : tensor<16x8xi8, #gpt2.int8<axis = 0, group_size = 0>>
    // MIXED: gpt2.weight @weights["wte.weight"] : tensor<10x8xbf16>
    // MIXED: gpt2.weight @weights["wpe.weight"] : tensor<16x8xbf16>
    // F32:   gpt2.weight @weights["wte.weight"] : tensor<10x8xf32>
    %wte = gpt2.weight @weights["wte.weight"] : tensor<10x8xf32>
    %wpe = gpt2.weight @weights["wpe.weight"] : tensor<16x8xf16>
    %h = gpt2.embed %wte, %wpe[%ids] past %past : tensor<10x8xf32>, tensor<16x8xf16>, tensor<?x1xi32> -> tensor<?x1x8xf32>
    %logits = gpt2.lm_head %h, %wte : tensor<?x1x8xf32>, tensor<10x8xf32> -> tensor<?x1x10xf32>
    return %logits : tensor<?x1x10xf32>
  }

  // A matrix that some user reads other than as a linear weight (here: returned)
  // is left alone everywhere, including in @project where a linear reads it.
  // COMMON-LABEL: func.func @project
  // COMMON: gpt2.weight @weights["h.0.attn.c_proj.weight"] : tensor<8x8xf32>
  // COMMON-LABEL: func.func @escape
  // COMMON: gpt2.weight @weights["h.0.attn.c_proj.weight"] : tensor<8x8xf32>
  func.func @project(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %w = gpt2.weight @weights["h.0.attn.c_proj.weight"] : tensor<8x8xf32>
    %b = gpt2.weight @weights["h.0.attn.c_proj.bias"] : tensor<8xf32>
    %y = gpt2.linear %x, %w, %b : tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
    return %y : tensor<?x?x8xf32>
  }
  func.func @escape() -> tensor<8x8xf32> {
    %w = gpt2.weight @weights["h.0.attn.c_proj.weight"] : tensor<8x8xf32>
    return %w : tensor<8x8xf32>
  }
}
