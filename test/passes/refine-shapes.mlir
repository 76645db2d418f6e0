// RUN: gpt2c-opt %s --gpt2-refine-shapes | FileCheck %s

// Static operands make results static, down to the function's result types.
// CHECK-LABEL: func.func @refines
// CHECK-SAME: -> (tensor<2x1x12xf32>, tensor<2x2x1x4xf32>)
// CHECK: gpt2.linear {{.*}} -> tensor<2x1x24xf32>
// CHECK: gpt2.split_qkv {{.*}} -> tensor<2x2x1x4xf32>, tensor<2x2x1x4xf32>, tensor<2x2x1x4xf32>
// CHECK: gpt2.cache_read {{.*}} -> tensor<2x2x3x4xf32>
// CHECK: gpt2.merge_heads {{.*}} -> tensor<2x1x8xf32>
// CHECK: gpt2.lm_head {{.*}} -> tensor<2x1x12xf32>
func.func @refines(%x: tensor<2x1x8xf32>, %w: tensor<8x24xf32>, %b: tensor<24xf32>, %c: tensor<2x2x16x4xf32>, %e: tensor<12x8xf32>) -> (tensor<?x?x12xf32>, tensor<?x2x?x4xf32>) {
  %three = arith.constant 3 : index
  %qkv = gpt2.linear %x, %w, %b : tensor<2x1x8xf32>, tensor<8x24xf32>, tensor<24xf32> -> tensor<?x?x24xf32>
  %q, %k, %v = gpt2.split_qkv %qkv heads(2) : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
  %keys = gpt2.cache_read %c[%three] : tensor<2x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %m = gpt2.merge_heads %q : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  %l = gpt2.lm_head %m, %e : tensor<?x?x8xf32>, tensor<12x8xf32> -> tensor<?x?x12xf32>
  return %l, %k : tensor<?x?x12xf32>, tensor<?x2x?x4xf32>
}
