// RUN: gpt2c-opt %s -split-input-file -verify-diagnostics --gpt2-cost="tokens=8 past=4" -o /dev/null > /dev/null

// expected-error @below {{gpt2-cost: cannot specialise @hidden: expected token ids tensor<BxTxi32> as the first argument}}
func.func @hidden(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  return %x : tensor<?x?x8xf32>
}

// -----

// expected-error @below {{cannot specialise @two_lengths: arguments #1 and #2 are both index values; expected one past length}}
func.func @two_lengths(%ids: tensor<?x?xi32>, %p: index, %q: index) {
  return
}

// -----

// expected-error @below {{cannot specialise @window: cache argument #1 has dynamic dimensions besides the batch}}
func.func @window(%ids: tensor<?x?xi32>, %cache: tensor<?x2x?x4xf32>) {
  return
}

// -----

// expected-error @below {{cannot specialise @other: argument #1 is neither a past length nor a [B, H, C, D] cache}}
func.func @other(%ids: tensor<?x?xi32>, %x: tensor<?x8xf32>) {
  return
}

// -----

// past (4) + tokens (8) do not fit a cache of 10 positions.
// expected-error @below {{cannot specialise @full: past (4) + tokens (8) exceeds the cache capacity 10}}
func.func @full(%ids: tensor<?x?xi32>, %past: index, %cache: tensor<?x2x10x4xf32>) {
  return
}

// -----

// A static batch other than the requested one is reported, not overridden.
// expected-error @below {{cannot specialise @batched: cache argument #1 holds 4 sequences, not batch = 2}}
func.func @batched(%ids: tensor<2x?xi32>, %cache: tensor<4x2x16x4xf32>) {
  return
}

// -----

// A shape that nothing determines stays dynamic.
func.func @unknown(%ids: tensor<?x?xi32>, %cache: tensor<?x2x16x4xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %first = tensor.extract %ids[%c0, %c0] : tensor<?x?xi32>
  %n = arith.index_cast %first : i32 to index
  %t = tensor.empty(%n, %n) : tensor<?x?xf32>
  // expected-error @below {{gpt2-cost: shapes still dynamic after specialising @unknown}}
  %g = gpt2.gelu %t : tensor<?x?xf32>
  return %g : tensor<?x?xf32>
}

// -----

// Ops of other dialects that produce tensors have no cost model: they are named.
func.func @uncounted(%ids: tensor<?x?xi32>) -> tensor<2x8xf32> {
  // expected-warning @below {{gpt2-cost: tensor.empty is not counted}}
  %t = tensor.empty() : tensor<2x8xf32>
  return %t : tensor<2x8xf32>
}
