// Every gpt2 op prints and parses back to the same IR, in custom and generic form.
// RUN: gpt2c-opt %s | gpt2c-opt | FileCheck %s
// RUN: gpt2c-opt %s --mlir-print-op-generic | gpt2c-opt | FileCheck %s

// CHECK: module attributes {gpt2.config = #gpt2.config<n_layer = 1, n_embd = 8, n_head = 2, n_positions = 16, vocab_size = 10, n_inner = 32, layer_norm_epsilon = 1.000000e-05 : f64, tie_word_embeddings = true>}
module attributes {gpt2.config = #gpt2.config<n_layer = 1, n_embd = 8, n_head = 2, n_positions = 16, vocab_size = 10, n_inner = 32, layer_norm_epsilon = 1.0e-05 : f64, tie_word_embeddings = true>} {
  // CHECK: gpt2.weight_store @weights "synthetic:test:3"
  gpt2.weight_store @weights "synthetic:test:3"

  // CHECK-LABEL: func.func @step
  func.func @step(%ids: tensor<?x?xi32>, %past: index, %kc: tensor<?x2x16x4xf32>, %vc: tensor<?x2x16x4xf32>)
      -> (tensor<?x?x10xf32>, tensor<?x2x16x4xf32>, tensor<?x2x16x4xf32>) {
    %window = arith.constant 16 : index
    // CHECK: %[[WTE:.*]] = gpt2.weight @weights["wte.weight"] : tensor<10x8xbf16>
    %wte = gpt2.weight @weights["wte.weight"] : tensor<10x8xbf16>
    %wpe = gpt2.weight @weights["wpe.weight"] : tensor<16x8xf16>
    %g = gpt2.weight @weights["ln.weight"] : tensor<8xf32>
    %b = gpt2.weight @weights["ln.bias"] : tensor<8xf32>
    %w = gpt2.weight @weights["qkv.weight"] : tensor<8x24xf32>
    %wb = gpt2.weight @weights["qkv.bias"] : tensor<24xf32>
    // CHECK: %[[POS:.*]] = gpt2.position_ids %{{.*}}, %{{.*}} : tensor<?x?xi32> -> tensor<?x?xi32>
    %pos = gpt2.position_ids %ids, %past : tensor<?x?xi32> -> tensor<?x?xi32>
    // CHECK: gpt2.embedding %[[WTE]][%{{.*}}] : tensor<10x8xbf16>, tensor<?x?xi32> -> tensor<?x?x8xf32>
    %tok = gpt2.embedding %wte[%ids] : tensor<10x8xbf16>, tensor<?x?xi32> -> tensor<?x?x8xf32>
    %plc = gpt2.embedding %wpe[%pos] : tensor<16x8xf16>, tensor<?x?xi32> -> tensor<?x?x8xf32>
    // CHECK: gpt2.add
    %h = gpt2.add %tok, %plc : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x8xf32>
    // CHECK: gpt2.layer_norm %{{.*}} {epsilon = 1.000000e-05 : f64} : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
    %x = gpt2.layer_norm %h, %g, %b {epsilon = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
    // CHECK: gpt2.linear
    %qkv = gpt2.linear %x, %w, %wb : tensor<?x?x8xf32>, tensor<8x24xf32>, tensor<24xf32> -> tensor<?x?x24xf32>
    // CHECK: gpt2.split_qkv %{{.*}} heads(2) : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
    %q, %k, %v = gpt2.split_qkv %qkv heads(2) : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
    // CHECK: gpt2.cache_write %{{.*}} into %{{.*}} at %{{.*}} : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x16x4xf32>
    %kc2 = gpt2.cache_write %k into %kc at %past : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x16x4xf32>
    %vc2 = gpt2.cache_write %v into %vc at %past : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x16x4xf32>
    // CHECK: gpt2.cache_read %{{.*}}[%{{.*}}] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
    %keys = gpt2.cache_read %kc2[%window] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
    %vals = gpt2.cache_read %vc2[%window] : tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
    // CHECK: gpt2.batch_matmul %{{.*}}, %{{.*}} transpose_rhs : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x?xf32>
    %s = gpt2.batch_matmul %q, %keys transpose_rhs : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x?xf32>
    // CHECK: gpt2.scale %{{.*}} by 5.000000e-01 : tensor<?x2x?x?xf32>
    %ss = gpt2.scale %s by 0.5 : tensor<?x2x?x?xf32>
    // CHECK: gpt2.causal_mask %{{.*}} past %{{.*}} : tensor<?x2x?x?xf32>
    %m = gpt2.causal_mask %ss past %past : tensor<?x2x?x?xf32>
    // CHECK: gpt2.softmax %{{.*}} : tensor<?x2x?x?xf32>
    %p = gpt2.softmax %m : tensor<?x2x?x?xf32>
    // CHECK: gpt2.batch_matmul %{{.*}}, %{{.*}} : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
    %o = gpt2.batch_matmul %p, %vals : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
    // CHECK: gpt2.merge_heads %{{.*}} : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
    %mh = gpt2.merge_heads %o : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
    // CHECK: gpt2.gelu %{{.*}} : tensor<?x?x8xf32>
    %ge = gpt2.gelu %mh : tensor<?x?x8xf32>
    // CHECK: gpt2.lm_head %{{.*}}, %[[WTE]] : tensor<?x?x8xf32>, tensor<10x8xbf16> -> tensor<?x?x10xf32>
    %logits = gpt2.lm_head %ge, %wte : tensor<?x?x8xf32>, tensor<10x8xbf16> -> tensor<?x?x10xf32>
    return %logits, %kc2, %vc2 : tensor<?x?x10xf32>, tensor<?x2x16x4xf32>, tensor<?x2x16x4xf32>
  }

  // CHECK-LABEL: func.func @fused
  func.func @fused(%x: tensor<?x?x8xf32>, %past: index, %kc: tensor<?x2x16x4xf32>, %vc: tensor<?x2x16x4xf32>, %n: index) -> tensor<?x1x32xf32> {
    %g = gpt2.weight @weights["ln.weight"] : tensor<8xf32>
    %b = gpt2.weight @weights["ln.bias"] : tensor<8xf32>
    %w = gpt2.weight @weights["fc.weight"] : tensor<8x32xi8, #gpt2.int8<axis = 1, group_size = 4>>
    %wb = gpt2.weight @weights["fc.bias"] : tensor<32xf32>
    %p = gpt2.weight @weights["proj.weight"] : tensor<8x8xbf16>
    %pb = gpt2.weight @weights["proj.bias"] : tensor<8xf32>
    %w3 = gpt2.weight @weights["qkv.weight"] : tensor<8x24xf32>
    %wb3 = gpt2.weight @weights["qkv.bias"] : tensor<24xf32>
    // CHECK: gpt2.weight @weights["fc.weight"] : tensor<8x32xi8, #gpt2.int8<axis = 1, group_size = 4>>
    // CHECK: gpt2.fused_linear %{{.*}}, %{{.*}}, %{{.*}} norm(%{{.*}}, %{{.*}}, 1.000000e-05 : tensor<8xf32>, tensor<8xf32>) gelu : tensor<?x?x8xf32>, tensor<8x32xi8, #gpt2.int8<axis = 1, group_size = 4>>, tensor<32xf32> -> tensor<?x?x32xf32>
    %up = gpt2.fused_linear %x, %w, %wb norm(%g, %b, 1.0e-05 : tensor<8xf32>, tensor<8xf32>) gelu : tensor<?x?x8xf32>, tensor<8x32xi8, #gpt2.int8<axis = 1, group_size = 4>>, tensor<32xf32> -> tensor<?x?x32xf32>
    // CHECK: gpt2.fused_linear %{{.*}}, %{{.*}}, %{{.*}} residual(%{{.*}} : tensor<?x?x8xf32>) : tensor<?x?x8xf32>, tensor<8x8xbf16>, tensor<8xf32> -> tensor<?x?x8xf32>
    %res = gpt2.fused_linear %x, %p, %pb residual(%x : tensor<?x?x8xf32>) : tensor<?x?x8xf32>, tensor<8x8xbf16>, tensor<8xf32> -> tensor<?x?x8xf32>
    // CHECK: gpt2.attention %{{.*}}, %{{.*}}, %{{.*}} past %{{.*}} length %{{.*}} scale 5.000000e-01 causal : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
    %qkv = gpt2.linear %res, %w3, %wb3 : tensor<?x?x8xf32>, tensor<8x24xf32>, tensor<24xf32> -> tensor<?x?x24xf32>
    %qh:3 = gpt2.split_qkv %qkv heads(2) : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
    %att = gpt2.attention %qh#0, %kc, %vc past %past length %n scale 0.5 causal : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
    // CHECK: gpt2.last_token %{{.*}} axis 1 : tensor<?x?x32xf32> -> tensor<?x1x32xf32>
    %last = gpt2.last_token %up axis 1 : tensor<?x?x32xf32> -> tensor<?x1x32xf32>
    return %last : tensor<?x1x32xf32>
  }
}
