// Every verifier error of the gpt2 dialect, with its diagnostic.
// RUN: gpt2c-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{n_head (3) must divide n_embd (8)}}
module attributes {gpt2.config = #gpt2.config<n_layer = 1, n_embd = 8, n_head = 3, n_positions = 16, vocab_size = 10, n_inner = 32, layer_norm_epsilon = 1.0e-05 : f64, tie_word_embeddings = true>} {}

// -----

// expected-error @+1 {{n_layer must be positive, got 0}}
module attributes {gpt2.config = #gpt2.config<n_layer = 0, n_embd = 8, n_head = 2, n_positions = 16, vocab_size = 10, n_inner = 32, layer_norm_epsilon = 1.0e-05 : f64, tie_word_embeddings = true>} {}

// -----

// expected-error @+1 {{layer_norm_epsilon must be positive}}
module attributes {gpt2.config = #gpt2.config<n_layer = 1, n_embd = 8, n_head = 2, n_positions = 16, vocab_size = 10, n_inner = 32, layer_norm_epsilon = 0.0 : f64, tie_word_embeddings = true>} {}

// -----

// expected-error @+1 {{needs a non-empty source}}
gpt2.weight_store @weights ""

// -----

func.func @no_store() {
  // expected-error @+1 {{refers to an undefined weight store @weights}}
  %w = gpt2.weight @weights["wte.weight"] : tensor<10x8xf32>
  return
}

// -----

func.func @not_a_store() {
  // expected-error @+1 {{refers to @not_a_store, which is not a gpt2.weight_store}}
  %w = gpt2.weight @not_a_store["wte.weight"] : tensor<10x8xf32>
  return
}

// -----

gpt2.weight_store @weights "synthetic:tiny:1"
func.func @dynamic_weight() {
  // expected-error @+1 {{result must have a static shape}}
  %w = gpt2.weight @weights["wte.weight"] : tensor<?x8xf32>
  return
}

// -----

gpt2.weight_store @weights "synthetic:tiny:1"
func.func @empty_name() {
  // expected-error @+1 {{needs a non-empty tensor name}}
  %w = gpt2.weight @weights[""] : tensor<8xf32>
  return
}

// -----

gpt2.weight_store @weights "synthetic:tiny:1"
func.func @integer_weight() {
  // expected-error @+1 {{result #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type or 8-bit signless integer values}}
  %w = gpt2.weight @weights["wte.weight"] : tensor<8xi32>
  return
}

// -----

func.func @position_ids_rank(%ids: tensor<?xi32>, %p: index) {
  // expected-error @+1 {{expects ids of rank 2 [B, T], got 'tensor<?xi32>'}}
  %0 = gpt2.position_ids %ids, %p : tensor<?xi32> -> tensor<?xi32>
  return
}

// -----

func.func @embedding_width(%t: tensor<10x8xf32>, %ids: tensor<?x?xi32>) {
  // expected-error @+1 {{result width (4) does not match table width (8)}}
  %0 = gpt2.embedding %t[%ids] : tensor<10x8xf32>, tensor<?x?xi32> -> tensor<?x?x4xf32>
  return
}

// -----

func.func @embedding_ids(%t: tensor<10x8xf32>, %ids: tensor<2x3xi32>) {
  // expected-error @+1 {{result tokens (4) does not match ids tokens (3)}}
  %0 = gpt2.embedding %t[%ids] : tensor<10x8xf32>, tensor<2x3xi32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @layer_norm_gamma(%x: tensor<?x?x8xf32>, %g: tensor<4xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{gamma width (4) does not match input width (8)}}
  %0 = gpt2.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f64} : tensor<?x?x8xf32>, tensor<4xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be positive, got -1}}
  %0 = gpt2.layer_norm %x, %g, %b {epsilon = -1.0 : f64} : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @layer_norm_f16_activation(%x: tensor<?x?x8xf16>, %g: tensor<8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %0 = gpt2.layer_norm %x, %g, %b {epsilon = 1.0e-05 : f64} : tensor<?x?x8xf16>, tensor<8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @linear_rows(%x: tensor<?x?x8xf32>, %w: tensor<6x24xf32>, %b: tensor<24xf32>) {
  // expected-error @+1 {{weight rows (6) does not match input width (8)}}
  %0 = gpt2.linear %x, %w, %b : tensor<?x?x8xf32>, tensor<6x24xf32>, tensor<24xf32> -> tensor<?x?x24xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<?x?x8xf32>, %w: tensor<8x24xf32>, %b: tensor<12xf32>) {
  // expected-error @+1 {{bias width (12) does not match weight columns (24)}}
  %0 = gpt2.linear %x, %w, %b : tensor<?x?x8xf32>, tensor<8x24xf32>, tensor<12xf32> -> tensor<?x?x24xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<?x?x8xf32>, %w: tensor<8x24x1xf32>, %b: tensor<24xf32>) {
  // expected-error @+1 {{expects weight of rank 2 [K, N] (input features, output features)}}
  %0 = gpt2.linear %x, %w, %b : tensor<?x?x8xf32>, tensor<8x24x1xf32>, tensor<24xf32> -> tensor<?x?x24xf32>
  return
}

// -----

func.func @linear_result(%x: tensor<?x?x8xf32>, %w: tensor<8x24xf32>, %b: tensor<24xf32>) {
  // expected-error @+1 {{result width (12) does not match weight columns (24)}}
  %0 = gpt2.linear %x, %w, %b : tensor<?x?x8xf32>, tensor<8x24xf32>, tensor<24xf32> -> tensor<?x?x12xf32>
  return
}

// -----

func.func @linear_result_rank(%x: tensor<?x?x8xf32>, %w: tensor<8x24xf32>, %b: tensor<24xf32>) {
  // expected-error @+1 {{result rank (2) does not match input rank (3)}}
  %0 = gpt2.linear %x, %w, %b : tensor<?x?x8xf32>, tensor<8x24xf32>, tensor<24xf32> -> tensor<?x24xf32>
  return
}

// -----

func.func @add_shapes(%a: tensor<2x3x8xf32>, %b: tensor<2x4x8xf32>) {
  // expected-error @+1 {{lhs shape 'tensor<2x3x8xf32>' does not match rhs shape 'tensor<2x4x8xf32>' in dimension 1}}
  %0 = gpt2.add %a, %b : tensor<2x3x8xf32>, tensor<2x4x8xf32> -> tensor<2x3x8xf32>
  return
}

// -----

func.func @split_heads_divide(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{num_heads (3) does not divide the embedding width (8)}}
  %q, %k, %v = gpt2.split_qkv %x heads(3) : tensor<?x?x24xf32> -> tensor<?x3x?x2xf32>, tensor<?x3x?x2xf32>, tensor<?x3x?x2xf32>
  return
}

// -----

func.func @split_width_by_three(%x: tensor<?x?x20xf32>) {
  // expected-error @+1 {{qkv width (20) is not divisible by 3}}
  %q, %k, %v = gpt2.split_qkv %x heads(2) : tensor<?x?x20xf32> -> tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
  return
}

// -----

func.func @split_head_dim(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{head dimension (8) must be 4 (embedding width 8 / 2 heads)}}
  %q, %k, %v = gpt2.split_qkv %x heads(2) : tensor<?x?x24xf32> -> tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
  return
}

// -----

func.func @split_heads_count(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{query heads (4) must equal num_heads (2)}}
  %q, %k, %v = gpt2.split_qkv %x heads(2) : tensor<?x?x24xf32> -> tensor<?x4x?x2xf32>, tensor<?x4x?x2xf32>, tensor<?x4x?x2xf32>
  return
}

// -----

func.func @split_zero_heads(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{num_heads must be positive, got 0}}
  %q, %k, %v = gpt2.split_qkv %x heads(0) : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
  return
}

// -----

func.func @merge_width(%x: tensor<?x2x?x4xf32>) {
  // expected-error @+1 {{result width (6) must be heads x head dimension (8)}}
  %0 = gpt2.merge_heads %x : tensor<?x2x?x4xf32> -> tensor<?x?x6xf32>
  return
}

// -----

func.func @cache_heads(%c: tensor<?x2x16x4xf32>, %u: tensor<?x3x?x4xf32>, %p: index) {
  // expected-error @+1 {{update heads (3) does not match cache heads (2)}}
  %0 = gpt2.cache_write %u into %c at %p : tensor<?x3x?x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x16x4xf32>
  return
}

// -----

func.func @cache_rank(%c: tensor<?x16x4xf32>, %u: tensor<?x2x?x4xf32>, %p: index) {
  // expected-error @+1 {{expects cache of rank 4 [B, H, C, D], got 'tensor<?x16x4xf32>'}}
  %0 = gpt2.cache_write %u into %c at %p : tensor<?x2x?x4xf32>, tensor<?x16x4xf32> -> tensor<?x16x4xf32>
  return
}

// -----

func.func @cache_overflow(%c: tensor<1x2x16x4xf32>, %u: tensor<1x2x17x4xf32>, %p: index) {
  // expected-error @+1 {{update of 17 tokens exceeds the cache capacity (16)}}
  %0 = gpt2.cache_write %u into %c at %p : tensor<1x2x17x4xf32>, tensor<1x2x16x4xf32> -> tensor<1x2x16x4xf32>
  return
}

// -----

func.func @cache_result(%c: tensor<?x2x16x4xf32>, %u: tensor<?x2x?x4xf32>, %p: index) {
  // expected-error @+1 {{must equal the cache type}}
  %0 = gpt2.cache_write %u into %c at %p : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x8x4xf32>
  return
}

// -----

func.func @cache_read_length(%c: tensor<?x2x16x4xf32>, %n: index) {
  // expected-error @+1 {{reads 32 positions from a cache of capacity 16}}
  %0 = gpt2.cache_read %c[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x32x4xf32>
  return
}

// -----

func.func @cache_read_head_dim(%c: tensor<?x2x16x4xf32>, %n: index) {
  // expected-error @+1 {{result head dimension (8) does not match cache head dimension (4)}}
  %0 = gpt2.cache_read %c[%n] : tensor<?x2x16x4xf32> -> tensor<?x2x?x8xf32>
  return
}

// -----

func.func @matmul_contraction(%q: tensor<?x2x?x4xf32>, %k: tensor<?x2x?x8xf32>) {
  // expected-error @+1 {{rhs contraction dimension (8) does not match lhs contraction dimension (4)}}
  %0 = gpt2.batch_matmul %q, %k transpose_rhs : tensor<?x2x?x4xf32>, tensor<?x2x?x8xf32> -> tensor<?x2x?x?xf32>
  return
}

// -----

func.func @matmul_heads(%p: tensor<?x2x?x?xf32>, %v: tensor<?x3x?x4xf32>) {
  // expected-error @+1 {{rhs heads (3) does not match lhs heads (2)}}
  %0 = gpt2.batch_matmul %p, %v : tensor<?x2x?x?xf32>, tensor<?x3x?x4xf32> -> tensor<?x2x?x4xf32>
  return
}

// -----

func.func @matmul_columns(%p: tensor<?x2x?x?xf32>, %v: tensor<?x2x?x4xf32>) {
  // expected-error @+1 {{result columns (8) does not match rhs columns (4)}}
  %0 = gpt2.batch_matmul %p, %v : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x8xf32>
  return
}

// -----

func.func @mask_rank(%s: tensor<?x?x?xf32>, %p: index) {
  // expected-error @+1 {{expects scores of rank 4 [B, H, T, S]}}
  %0 = gpt2.causal_mask %s past %p : tensor<?x?x?xf32>
  return
}

// -----

func.func @lm_head_width(%x: tensor<?x?x8xf32>, %w: tensor<10x6xf32>) {
  // expected-error @+1 {{weight width (6) does not match input width (8)}}
  %0 = gpt2.lm_head %x, %w : tensor<?x?x8xf32>, tensor<10x6xf32> -> tensor<?x?x10xf32>
  return
}

// -----

func.func @lm_head_vocab(%x: tensor<?x?x8xf32>, %w: tensor<10x8xf32>) {
  // expected-error @+1 {{result width (12) does not match vocabulary size (10)}}
  %0 = gpt2.lm_head %x, %w : tensor<?x?x8xf32>, tensor<10x8xf32> -> tensor<?x?x12xf32>
  return
}

// -----

// expected-note @+1 {{prior use here}}
func.func @gelu_types(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{use of value '%x' expects different type than prior uses}}
  %0 = gpt2.gelu %x : tensor<?x4xf32>
  return
}

// -----

gpt2.weight_store @weights "synthetic:tiny:1"
func.func @int8_without_encoding() {
  // expected-error @+1 {{an i8 weight needs a #gpt2.int8 encoding}}
  %w = gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<64x256xi8>
  return
}

// -----

gpt2.weight_store @weights "synthetic:tiny:1"
func.func @int8_group() {
  // expected-error @+1 {{group size 48 does not divide the 64 values of each channel}}
  %w = gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<64x256xi8, #gpt2.int8<axis = 1, group_size = 48>>
  return
}

// -----

gpt2.weight_store @weights "synthetic:tiny:1"
func.func @int8_vector() {
  // expected-error @+1 {{int8 weights must be matrices}}
  %w = gpt2.weight @weights["h.0.mlp.c_fc.bias"] : tensor<256xi8, #gpt2.int8<axis = 0, group_size = 0>>
  return
}

// -----

gpt2.weight_store @weights "synthetic:tiny:1"
func.func @int8_axis() {
  // expected-error @+1 {{int8 quantization axis must be 0 or 1, got 2}}
  %w = gpt2.weight @weights["h.0.mlp.c_fc.weight"] : tensor<64x256xi8, #gpt2.int8<axis = 2, group_size = 0>>
  return
}

// -----

func.func @quantized_bias(%x: tensor<?x?x8xf32>, %w: tensor<8x24xf32>, %b: tensor<24xi8>) {
  // expected-error @+1 {{expects bias stored as f32, f16 or bf16}}
  %0 = gpt2.linear %x, %w, %b : tensor<?x?x8xf32>, tensor<8x24xf32>, tensor<24xi8> -> tensor<?x?x24xf32>
  return
}

// -----

func.func @fused_norm_width(%x: tensor<?x?x8xf32>, %w: tensor<8x24xf32>, %b: tensor<24xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{gamma width (4) does not match input width (8)}}
  %0 = gpt2.fused_linear %x, %w, %b norm(%g, %g, 1.0e-05 : tensor<4xf32>, tensor<4xf32>) : tensor<?x?x8xf32>, tensor<8x24xf32>, tensor<24xf32> -> tensor<?x?x24xf32>
  return
}

// -----

func.func @fused_residual(%x: tensor<?x?x8xf32>, %w: tensor<8x24xf32>, %b: tensor<24xf32>, %r: tensor<?x?x8xf32>) {
  // expected-error @+1 {{residual shape 'tensor<?x?x8xf32>' does not match result shape 'tensor<?x?x24xf32>' in dimension 2}}
  %0 = gpt2.fused_linear %x, %w, %b residual(%r : tensor<?x?x8xf32>) : tensor<?x?x8xf32>, tensor<8x24xf32>, tensor<24xf32> -> tensor<?x?x24xf32>
  return
}

// -----

func.func @fused_weight_rows(%x: tensor<?x?x8xf32>, %w: tensor<6x24xf32>, %b: tensor<24xf32>) {
  // expected-error @+1 {{weight rows (6) does not match input width (8)}}
  %0 = gpt2.fused_linear %x, %w, %b gelu : tensor<?x?x8xf32>, tensor<6x24xf32>, tensor<24xf32> -> tensor<?x?x24xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<?x2x?x4xf32>, %k: tensor<?x2x16x8xf32>, %p: index, %n: index) {
  // expected-error @+1 {{query head dimension (4) does not match cache head dimension (8)}}
  %0 = gpt2.attention %q, %k, %k past %p length %n scale 0.5 causal : tensor<?x2x?x4xf32>, tensor<?x2x16x8xf32>, tensor<?x2x16x8xf32> -> tensor<?x2x?x4xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<?x2x?x4xf32>, %k: tensor<?x2x16x4xf32>, %p: index, %n: index) {
  // expected-error @+1 {{scale must be positive, got 0}}
  %0 = gpt2.attention %q, %k, %k past %p length %n scale 0.0 causal : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32>, tensor<?x2x16x4xf32> -> tensor<?x2x?x4xf32>
  return
}

// -----

func.func @attention_values(%q: tensor<?x2x?x4xf32>, %k: tensor<?x2x16x4xf32>, %v: tensor<?x2x8x4xf32>, %p: index, %n: index) {
  // expected-error @+1 {{values shape 'tensor<?x2x8x4xf32>' does not match keys shape 'tensor<?x2x16x4xf32>' in dimension 2}}
  %0 = gpt2.attention %q, %k, %v past %p length %n scale 0.5 causal : tensor<?x2x?x4xf32>, tensor<?x2x16x4xf32>, tensor<?x2x8x4xf32> -> tensor<?x2x?x4xf32>
  return
}

// -----

func.func @last_token_axis(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{axis 3 is out of range for 'tensor<?x?x8xf32>'}}
  %0 = gpt2.last_token %x axis 3 : tensor<?x?x8xf32> -> tensor<?x1x8xf32>
  return
}

// -----

func.func @last_token_result(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{result must have one position along axis 1, got 'tensor<?x2x8xf32>'}}
  %0 = gpt2.last_token %x axis 1 : tensor<?x?x8xf32> -> tensor<?x2x8xf32>
  return
}
