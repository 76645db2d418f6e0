// RUN: gpt2c-opt %s -split-input-file --gpt2-fuse-embeddings | FileCheck %s

// CHECK-LABEL: func.func @fuses
// CHECK: %[[E:.*]] = gpt2.embed %arg0, %arg1[%arg2] past %arg3 : tensor<10x8xf32>, tensor<16x8xbf16>, tensor<?x?xi32> -> tensor<?x?x8xf32>
// CHECK-NEXT: return %[[E]]
func.func @fuses(%wte: tensor<10x8xf32>, %wpe: tensor<16x8xbf16>, %ids: tensor<?x?xi32>, %p: index) -> tensor<?x?x8xf32> {
  %pos = gpt2.position_ids %ids, %p : tensor<?x?xi32> -> tensor<?x?xi32>
  %t = gpt2.embedding %wte[%ids] : tensor<10x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %q = gpt2.embedding %wpe[%pos] : tensor<16x8xbf16>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %h = gpt2.add %t, %q : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  return %h : tensor<?x?x8xf32>
}

// -----

// Positions of other ids than the tokens looked up: not an embedding of one sequence.
// CHECK-LABEL: func.func @other_ids
// CHECK-NOT: gpt2.embed %
func.func @other_ids(%wte: tensor<10x8xf32>, %wpe: tensor<16x8xf32>, %ids: tensor<?x?xi32>, %other: tensor<?x?xi32>, %p: index) -> tensor<?x?x8xf32> {
  %pos = gpt2.position_ids %other, %p : tensor<?x?xi32> -> tensor<?x?xi32>
  %t = gpt2.embedding %wte[%ids] : tensor<10x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %q = gpt2.embedding %wpe[%pos] : tensor<16x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %h = gpt2.add %t, %q : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  return %h : tensor<?x?x8xf32>
}

// -----

// A lookup with a second user stays.
// CHECK-LABEL: func.func @shared_lookup
// CHECK-NOT: gpt2.embed %
func.func @shared_lookup(%wte: tensor<10x8xf32>, %wpe: tensor<16x8xf32>, %ids: tensor<?x?xi32>, %p: index) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %pos = gpt2.position_ids %ids, %p : tensor<?x?xi32> -> tensor<?x?xi32>
  %t = gpt2.embedding %wte[%ids] : tensor<10x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %q = gpt2.embedding %wpe[%pos] : tensor<16x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %h = gpt2.add %t, %q : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  return %h, %t : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}
