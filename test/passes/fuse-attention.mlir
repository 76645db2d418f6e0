// RUN: gpt2c-opt %s -split-input-file --gpt2-fuse-attention | FileCheck %s

// The imported chain fuses into one gpt2.attention over the caches.
// CHECK-LABEL: func.func @fuses
// CHECK-SAME: (%[[Q:.*]]: tensor<?x2x?x4xf32>, %[[KC:.*]]: tensor<?x2x16x4xf32>, %[[VC:.*]]: tensor<?x2x16x4xf32>, %[[P:.*]]: index, %[[N:.*]]: index)
// CHECK-NEXT: %[[A:.*]] = gpt2.attention %[[Q]], %[[KC]], %[[VC]] past %[[P]] length %[[N]] scale 5.000000e-01 causal
// CHECK-NEXT: return %[[A]]
func.func @fuses(%q: tensor<?x2x?x4xf32>, %kc: tensor<?x2x16x4xf32>, %vc: tensor<?x2x16x4xf32>, %p: index, %n: index) -> tensor<?x2x?x4xf32> {
  %k = gpt2.cache_read %kc[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %v = gpt2.cache_read %vc[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %s = gpt2.batch_matmul %q, %k transpose_rhs : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x?xf32>
  %ss = gpt2.scale %s by 0.5 : tensor<?x2x?x?xf32>
  %m = gpt2.causal_mask %ss past %p : tensor<?x2x?x?xf32>
  %pr = gpt2.softmax %m : tensor<?x2x?x?xf32>
  %o = gpt2.batch_matmul %pr, %v : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  return %o : tensor<?x2x?x4xf32>
}

// -----

// The probabilities have a second user: fusing would have to keep them anyway.
// CHECK-LABEL: func.func @softmax_used_twice
// CHECK-NOT: gpt2.attention
// CHECK: gpt2.softmax
func.func @softmax_used_twice(%q: tensor<?x2x?x4xf32>, %kc: tensor<?x2x16x4xf32>, %vc: tensor<?x2x16x4xf32>, %p: index, %n: index) -> (tensor<?x2x?x4xf32>, tensor<?x2x?x?xf32>) {
  %k = gpt2.cache_read %kc[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %v = gpt2.cache_read %vc[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %s = gpt2.batch_matmul %q, %k transpose_rhs : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x?xf32>
  %ss = gpt2.scale %s by 0.5 : tensor<?x2x?x?xf32>
  %m = gpt2.causal_mask %ss past %p : tensor<?x2x?x?xf32>
  %pr = gpt2.softmax %m : tensor<?x2x?x?xf32>
  %o = gpt2.batch_matmul %pr, %v : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  return %o, %pr : tensor<?x2x?x4xf32>, tensor<?x2x?x?xf32>
}

// -----

// No causal mask: a bidirectional attention is not what gpt2.attention computes here.
// CHECK-LABEL: func.func @not_causal
// CHECK-NOT: gpt2.attention
// CHECK: gpt2.softmax
func.func @not_causal(%q: tensor<?x2x?x4xf32>, %kc: tensor<?x2x16x4xf32>, %vc: tensor<?x2x16x4xf32>, %n: index) -> tensor<?x2x?x4xf32> {
  %k = gpt2.cache_read %kc[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %v = gpt2.cache_read %vc[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %s = gpt2.batch_matmul %q, %k transpose_rhs : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x?xf32>
  %ss = gpt2.scale %s by 0.5 : tensor<?x2x?x?xf32>
  %pr = gpt2.softmax %ss : tensor<?x2x?x?xf32>
  %o = gpt2.batch_matmul %pr, %v : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  return %o : tensor<?x2x?x4xf32>
}

// -----

// A scale other than 1/sqrt(D) = 0.5 belongs to another model.
// CHECK-LABEL: func.func @wrong_scale
// CHECK-NOT: gpt2.attention
// CHECK: gpt2.scale %{{.*}} by 2.500000e-01
func.func @wrong_scale(%q: tensor<?x2x?x4xf32>, %kc: tensor<?x2x16x4xf32>, %vc: tensor<?x2x16x4xf32>, %p: index, %n: index) -> tensor<?x2x?x4xf32> {
  %k = gpt2.cache_read %kc[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %v = gpt2.cache_read %vc[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %s = gpt2.batch_matmul %q, %k transpose_rhs : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x?xf32>
  %ss = gpt2.scale %s by 0.25 : tensor<?x2x?x?xf32>
  %m = gpt2.causal_mask %ss past %p : tensor<?x2x?x?xf32>
  %pr = gpt2.softmax %m : tensor<?x2x?x?xf32>
  %o = gpt2.batch_matmul %pr, %v : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  return %o : tensor<?x2x?x4xf32>
}

// -----

// Keys and values read windows of different lengths.
// CHECK-LABEL: func.func @different_lengths
// CHECK-NOT: gpt2.attention
func.func @different_lengths(%q: tensor<?x2x?x4xf32>, %kc: tensor<?x2x16x4xf32>, %vc: tensor<?x2x16x4xf32>, %p: index, %n: index, %m2: index) -> tensor<?x2x?x4xf32> {
  %k = gpt2.cache_read %kc[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %v = gpt2.cache_read %vc[%m2] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %s = gpt2.batch_matmul %q, %k transpose_rhs : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x?xf32>
  %ss = gpt2.scale %s by 0.5 : tensor<?x2x?x?xf32>
  %m = gpt2.causal_mask %ss past %p : tensor<?x2x?x?xf32>
  %pr = gpt2.softmax %m : tensor<?x2x?x?xf32>
  %o = gpt2.batch_matmul %pr, %v : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  return %o : tensor<?x2x?x4xf32>
}
