// RUN: gpt2c-opt %s -split-input-file -verify-diagnostics --gpt2-weight-precision="weights=int8 group-size=16"

// A group size must divide the K input values of each output channel of a
// linear weight [K, N] (here K = 24).
gpt2.weight_store @weights "synthetic:tiny:1"
func.func @linear(%x: tensor<?x24xf32>) -> tensor<?x8xf32> {
  // expected-error@+1 {{group size 16 does not divide the 24 values of each output channel of 'h.0.mlp.c_proj.weight' ('tensor<24x8xf32>')}}
  %w = gpt2.weight @weights["h.0.mlp.c_proj.weight"] : tensor<24x8xf32>
  %b = gpt2.weight @weights["h.0.mlp.c_proj.bias"] : tensor<8xf32>
  %y = gpt2.linear %x, %w, %b : tensor<?x24xf32>, tensor<24x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Embedding tables are grouped along E (each row is a channel): 16 does not
// divide E = 24, though it divides V = 32.
gpt2.weight_store @weights "synthetic:tiny:1"
func.func @table(%ids: tensor<?x?xi32>) -> tensor<?x?x24xf32> {
  // expected-error@+1 {{group size 16 does not divide the 24 values of each output channel of 'wte.weight' ('tensor<32x24xf32>')}}
  %wte = gpt2.weight @weights["wte.weight"] : tensor<32x24xf32>
  %e = gpt2.embedding %wte[%ids] : tensor<32x24xf32>, tensor<?x?xi32> -> tensor<?x?x24xf32>
  return %e : tensor<?x?x24xf32>
}

// -----

// Re-quantizing an int8 weight with another encoding would round twice.
gpt2.weight_store @weights "synthetic:tiny:1"
func.func @requantize(%x: tensor<?x32xf32>) -> tensor<?x8xf32> {
  // expected-error@+1 {{'h.0.mlp.c_proj.weight' is already stored as 'tensor<32x8xi8, #gpt2.int8<axis = 1, group_size = 8>>'; re-quantizing it as #gpt2.int8<axis = 1, group_size = 16> would compound the rounding}}
  %w = gpt2.weight @weights["h.0.mlp.c_proj.weight"] : tensor<32x8xi8, #gpt2.int8<axis = 1, group_size = 8>>
  %b = gpt2.weight @weights["h.0.mlp.c_proj.bias"] : tensor<8xf32>
  %y = gpt2.linear %x, %w, %b : tensor<?x32xf32>, tensor<32x8xi8, #gpt2.int8<axis = 1, group_size = 8>>, tensor<8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Several ops naming one tensor (one per phase) get one diagnostic, at the first.
gpt2.weight_store @weights "synthetic:tiny:1"
func.func @prefill(%x: tensor<?x24xf32>) -> tensor<?x8xf32> {
  // expected-error@+1 {{group size 16 does not divide the 24 values}}
  %w = gpt2.weight @weights["h.0.attn.c_proj.weight"] : tensor<24x8xf32>
  %b = gpt2.weight @weights["h.0.attn.c_proj.bias"] : tensor<8xf32>
  %y = gpt2.linear %x, %w, %b : tensor<?x24xf32>, tensor<24x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
func.func @decode(%x: tensor<?x24xf32>) -> tensor<?x8xf32> {
  %w = gpt2.weight @weights["h.0.attn.c_proj.weight"] : tensor<24x8xf32>
  %b = gpt2.weight @weights["h.0.attn.c_proj.bias"] : tensor<8xf32>
  %y = gpt2.linear %x, %w, %b : tensor<?x24xf32>, tensor<24x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
