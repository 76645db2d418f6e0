// Invalid options are reported at the module and fail the pass.
// RUN: not gpt2c-opt %s --gpt2-weight-precision=weights=int4 2>&1 | FileCheck %s --check-prefix=TYPE
// RUN: not gpt2c-opt %s --gpt2-weight-precision="weights=int8 embeddings=fp8" 2>&1 | FileCheck %s --check-prefix=EMB
// RUN: not gpt2c-opt %s --gpt2-weight-precision="weights=int8 group-size=-4" 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not gpt2c-opt %s --gpt2-weight-precision="weights=bf16 group-size=4" 2>&1 | FileCheck %s --check-prefix=FLOAT
// A group size with int8 embeddings only is valid.
// RUN: gpt2c-opt %s --gpt2-weight-precision="weights=bf16 embeddings=int8 group-size=4" | FileCheck %s --check-prefix=OK

// TYPE:  weight-precision-options.mlir:[[@LINE+6]]:1: error: gpt2-weight-precision: unknown storage type 'int4' (expected f32, bf16, f16 or int8)
// EMB:   weight-precision-options.mlir:[[@LINE+5]]:1: error: gpt2-weight-precision: unknown storage type 'fp8' (expected f32, bf16, f16 or int8)
// NEG:   weight-precision-options.mlir:[[@LINE+4]]:1: error: gpt2-weight-precision: group-size must not be negative, got -4
// FLOAT: weight-precision-options.mlir:[[@LINE+3]]:1: error: gpt2-weight-precision: group-size 4 applies to int8 storage only
// OK: gpt2.weight @weights["wte.weight"] : tensor<10x8xi8, #gpt2.int8<axis = 0, group_size = 4>>
// OK: gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<8x32xbf16>
module {
  gpt2.weight_store @weights "synthetic:tiny:1"
  func.func @forward(%ids: tensor<?x?xi32>) -> tensor<?x?x32xf32> {
    %wte = gpt2.weight @weights["wte.weight"] : tensor<10x8xf32>
    %h = gpt2.embedding %wte[%ids] : tensor<10x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
    %w = gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<8x32xf32>
    %b = gpt2.weight @weights["h.0.mlp.c_fc.bias"] : tensor<32xf32>
    %y = gpt2.linear %h, %w, %b : tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32> -> tensor<?x?x32xf32>
    return %y : tensor<?x?x32xf32>
  }
}
