// RUN: gpt2c-opt %s --gpt2-cost="batch=2 tokens=3 past=5" -o /dev/null | FileCheck %s

// The fused embedding of B*T = 6 tokens with E = 8: 6*8 = 48 additions. It reads
// the ids (6*4 = 24 bytes) and the 6 gathered rows of each table: of the int8
// token table [10, 8] with two scales per row (80 bytes of values + 10*2*4 = 80
// of scales), 6/10 of 160 = 96 bytes; of the float32 position table 6*8*4 = 192.
// CHECK: gpt2-cost @embed (forward): batch=2 tokens=3 past=5
// CHECK-NEXT: op
// CHECK-NEXT: gpt2.embed wte 48 312 192 288

gpt2.weight_store @weights "synthetic:tiny:1"
func.func @embed(%ids: tensor<?x?xi32>, %past: index) -> tensor<?x?x8xf32> {
  %wte = gpt2.weight @weights["wte.weight"] : tensor<10x8xi8, #gpt2.int8<axis = 0, group_size = 4>>
  %wpe = gpt2.weight @weights["wpe.weight"] : tensor<16x8xf32>
  %h = gpt2.embed %wte, %wpe[%ids] past %past : tensor<10x8xi8, #gpt2.int8<axis = 0, group_size = 4>>, tensor<16x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %h : tensor<?x?x8xf32>
}
