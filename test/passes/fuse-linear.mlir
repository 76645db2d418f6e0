// RUN: gpt2c-opt %s -split-input-file --gpt2-fuse-linear | FileCheck %s

// A GPT-2 block's linears absorb their layer norms, GELU and residual adds.
// CHECK-LABEL: func.func @block
// CHECK-SAME: (%[[H:.*]]: tensor<?x?x8xf32>,
// CHECK: %[[UP:.*]] = gpt2.fused_linear %[[H]], %{{.*}}, %{{.*}} norm(%{{.*}}, %{{.*}}, 1.000000e-05 : tensor<8xf32>, tensor<8xf32>) gelu : tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32> -> tensor<?x?x32xf32>
// CHECK: %[[OUT:.*]] = gpt2.fused_linear %[[UP]], %{{.*}}, %{{.*}} residual(%[[H]] : tensor<?x?x8xf32>) : tensor<?x?x32xf32>, tensor<32x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
// CHECK-NOT: gpt2.layer_norm
// CHECK-NOT: gpt2.gelu
// CHECK-NOT: gpt2.add
// CHECK: return %[[OUT]]
func.func @block(%h: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>, %w1: tensor<8x32xf32>, %b1: tensor<32xf32>, %w2: tensor<32x8xf32>, %b2: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %x = gpt2.layer_norm %h, %g, %b {epsilon = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %up = gpt2.linear %x, %w1, %b1 : tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32> -> tensor<?x?x32xf32>
  %act = gpt2.gelu %up : tensor<?x?x32xf32>
  %down = gpt2.linear %act, %w2, %b2 : tensor<?x?x32xf32>, tensor<32x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %out = gpt2.add %h, %down : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  return %out : tensor<?x?x8xf32>
}

// -----

// A layer norm with a second user stays; so does a linear whose result is also
// returned (its GELU and add cannot absorb it).
// CHECK-LABEL: func.func @shared_values
// CHECK: %[[X:.*]] = gpt2.layer_norm
// CHECK: %[[UP:.*]] = gpt2.linear %[[X]]
// CHECK: gpt2.gelu %[[UP]]
// CHECK-NOT: gpt2.fused_linear
func.func @shared_values(%h: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>, %w1: tensor<8x32xf32>, %b1: tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x8xf32>, tensor<?x?x32xf32>) {
  %x = gpt2.layer_norm %h, %g, %b {epsilon = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %up = gpt2.linear %x, %w1, %b1 : tensor<?x?x8xf32>, tensor<8x32xf32>, tensor<32xf32> -> tensor<?x?x32xf32>
  %act = gpt2.gelu %up : tensor<?x?x32xf32>
  return %act, %x, %up : tensor<?x?x32xf32>, tensor<?x?x8xf32>, tensor<?x?x32xf32>
}

// -----

// GELU after a residual add is not linear + bias + GELU: the add absorbs the
// linear, the GELU stays outside.
// CHECK-LABEL: func.func @gelu_after_residual
// CHECK: %[[F:.*]] = gpt2.fused_linear %{{.*}} residual(
// CHECK-NOT: gelu :
// CHECK: gpt2.gelu %[[F]]
func.func @gelu_after_residual(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %l = gpt2.linear %h, %w, %b : tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %s = gpt2.add %h, %l : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %a = gpt2.gelu %s : tensor<?x?x8xf32>
  return %a : tensor<?x?x8xf32>
}
