// RUN: gpt2c-opt %s --gpt2-cost="batch=2 tokens=3 past=4" -o /dev/null | FileCheck %s

// One op of each kind, B = 2 sequences of T = 3 new tokens after P = 4 cached
// ones: E = 8, H = 2 heads of D = 4, cache capacity C = 16, vocabulary V = 10,
// so L = P + T = 7 key positions and B*T = 6 rows. Columns: flops, bytes read,
// bytes written, weight bytes. Every number below follows from these shapes.

// CHECK: gpt2-cost @ops (forward): batch=2 tokens=3 past=4
// position_ids writes B*T int32 = 24 bytes.
// CHECK: gpt2.position_ids {{.*}} 0 0 24 0
// Gathers read the ids (24) and 6 rows of the table: f32 6*8*4 = 192, bf16 6*8*2 = 96.
// CHECK-NEXT: gpt2.embedding wte 0 216 192 192
// CHECK-NEXT: gpt2.embedding wpe 0 120 192 96
// CHECK-NEXT: gpt2.add {{.*}} 48 384 192 0
// Layer norm: 7 * 48 FLOPs; reads [6, 8] + gain + bias (2 * 32).
// CHECK-NEXT: gpt2.layer_norm ln 336 256 192 64
// int8 [8, 24], groups of 4 along K: 192 bytes + 24 channels * 2 groups * 4 = 192
// bytes of scales, + bias 96: 480. FLOPs 2*6*8*24 + 6*24 = 2448.
// CHECK-NEXT: gpt2.linear attn.c_attn 2448 672 576 480
// CHECK-NEXT: gpt2.split_qkv {{.*}} 0 576 576 0
// A cache write touches the T new positions only: 2*2*3*4*4 = 192 bytes.
// CHECK-NEXT: gpt2.cache_write {{.*}} 0 192 192 0
// CHECK-NEXT: gpt2.cache_write {{.*}} 0 192 192 0
// A cache read copies L = 7 positions: 2*2*7*4*4 = 448 bytes.
// CHECK-NEXT: gpt2.cache_read {{.*}} 0 448 448 0 L=7
// CHECK-NEXT: gpt2.cache_read {{.*}} 0 448 448 0 L=7
// Scores [2, 2, 3, 7] = 84 elements: Q K^T 2*84*4 = 672.
// CHECK-NEXT: gpt2.batch_matmul {{.*}} 672 640 336 0
// CHECK-NEXT: gpt2.scale {{.*}} 84 336 336 0
// CHECK-NEXT: gpt2.causal_mask {{.*}} 84 336 336 0
// CHECK-NEXT: gpt2.softmax {{.*}} 420 336 336 0
// P V: [2, 2, 3, 4] = 48 outputs of 7 products each: 2*48*7 = 672.
// CHECK-NEXT: gpt2.batch_matmul {{.*}} 672 784 192 0
// Fused: 4*B*H*T*L*D = 1344 plus (scale + mask + softmax 5) * 84 = 588, as the
// five primitives above (672 + 84 + 84 + 420 + 672 = 1932); reads Q and 7 positions
// of each cache: 192 + 2 * 448.
// CHECK-NEXT: gpt2.attention {{.*}} 1932 1088 192 0 L=7
// CHECK-NEXT: gpt2.merge_heads {{.*}} 0 192 192 0
// Norm + linear + GELU: 7*48 + 2*6*8*32 + 6*32 + 9*192 = 5328; weights f16 8*32*2 =
// 512, bias 128, gain and bias 64.
// CHECK-NEXT: gpt2.fused_linear mlp.c_fc 5328 896 768 704
// Linear + residual: 2*6*32*8 + 48 + 48 = 3168; reads 768 + 1024 + 32 + residual 192.
// CHECK-NEXT: gpt2.fused_linear mlp.c_proj 3168 2016 192 1056
// CHECK-NEXT: gpt2.gelu {{.*}} 432 192 192 0
// last_token copies one row per sequence: 2*8*4 = 64 bytes.
// CHECK-NEXT: gpt2.last_token {{.*}} 0 64 64 0
// LM head 2 * rows * V * E = 2*2*10*8 = 320; reads all of wte (320).
// CHECK-NEXT: gpt2.lm_head wte 320 384 80 320
// A length known only at run time: the whole capacity, 4*2*2*3*16*4 + 7*2*2*3*16.
// CHECK-NEXT: gpt2.attention {{.*}} 4416 2240 192 0 L=16 (cache capacity: length not constant)
// CHECK: gpt2.attention 2 6348 3328 384 0
// CHECK: total @ops 24 20360 13008 6632 2912 1.04
// CHECK-NEXT: total @ops: flops=20360 bytes=19640 intensity=1.04 flop/byte

gpt2.weight_store @weights "synthetic:tiny:1"
func.func @ops(%ids: tensor<?x?xi32>, %past: index, %kc: tensor<?x2x16x4xf32>, %vc: tensor<?x2x16x4xf32>)
    -> (tensor<?x1x10xf32>, tensor<?x2x16x4xf32>, tensor<?x2x16x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x?x8xf32>) {
  %c1 = arith.constant 1 : index
  %wte = gpt2.weight @weights["wte.weight"] : tensor<10x8xf32>
  %wpe = gpt2.weight @weights["wpe.weight"] : tensor<16x8xbf16>
  %pos = gpt2.position_ids %ids, %past : tensor<?x?xi32> -> tensor<?x?xi32>
  %tok = gpt2.embedding %wte[%ids] : tensor<10x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %plc = gpt2.embedding %wpe[%pos] : tensor<16x8xbf16>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %h = gpt2.add %tok, %plc : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  %g = gpt2.weight @weights["ln.weight"] : tensor<8xf32>
  %b = gpt2.weight @weights["ln.bias"] : tensor<8xf32>
  %n = gpt2.layer_norm %h, %g, %b {epsilon = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %w = gpt2.weight @weights["attn.c_attn.weight"] : tensor<8x24xi8, #gpt2.int8<axis = 1, group_size = 4>>
  %wb = gpt2.weight @weights["attn.c_attn.bias"] : tensor<24xf32>
  %qkv = gpt2.linear %n, %w, %wb : tensor<?x?x8xf32>, tensor<8x24xi8, #gpt2.int8<axis = 1, group_size = 4>>, tensor<24xf32> -> tensor<?x?x24xf32>
  %q, %k, %v = gpt2.split_qkv %qkv heads(2) : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
  %kc2 = gpt2.cache_write %k into %kc at %past : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x16x4xf32>
  %vc2 = gpt2.cache_write %v into %vc at %past : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x16x4xf32>
  %t = tensor.dim %ids, %c1 : tensor<?x?xi32>
  %len = arith.addi %past, %t : index
  %keys = gpt2.cache_read %kc2[%len] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %vals = gpt2.cache_read %vc2[%len] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %s = gpt2.batch_matmul %q, %keys transpose_rhs : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x?xf32>
  %ss = gpt2.scale %s by 0.5 : tensor<?x2x?x?xf32>
  %m = gpt2.causal_mask %ss past %past : tensor<?x2x?x?xf32>
  %p = gpt2.softmax %m : tensor<?x2x?x?xf32>
  %o = gpt2.batch_matmul %p, %vals : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %a = gpt2.attention %q, %kc2, %vc2 past %past length %len scale 0.5 causal : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  %mo = gpt2.merge_heads %o : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  %w2 = gpt2.weight @weights["mlp.c_fc.weight"] : tensor<8x32xf16>
  %b2 = gpt2.weight @weights["mlp.c_fc.bias"] : tensor<32xf32>
  %up = gpt2.fused_linear %mo, %w2, %b2 norm(%g, %b, 1.0e-05 : tensor<8xf32>, tensor<8xf32>) gelu : tensor<?x?x8xf32>, tensor<8x32xf16>, tensor<32xf32> -> tensor<?x?x32xf32>
  %w3 = gpt2.weight @weights["mlp.c_proj.weight"] : tensor<32x8xf32>
  %b3 = gpt2.weight @weights["mlp.c_proj.bias"] : tensor<8xf32>
  %down = gpt2.fused_linear %up, %w3, %b3 residual(%mo : tensor<?x?x8xf32>) : tensor<?x?x32xf32>, tensor<32x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  %gl = gpt2.gelu %h : tensor<?x?x8xf32>
  %last = gpt2.last_token %down axis 1 : tensor<?x?x8xf32> -> tensor<?x1x8xf32>
  %logits = gpt2.lm_head %last, %wte : tensor<?x1x8xf32>, tensor<10x8xf32> -> tensor<?x1x10xf32>
  %c0 = arith.constant 0 : index
  %first = tensor.extract %ids[%c0, %c0] : tensor<?x?xi32>
  %runtime = arith.index_cast %first : i32 to index
  %unknown = gpt2.attention %q, %kc2, %vc2 past %past length %runtime scale 0.5 causal : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  return %logits, %kc2, %vc2, %a, %unknown, %gl : tensor<?x1x10xf32>, tensor<?x2x16x4xf32>, tensor<?x2x16x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x?x8xf32>
}
