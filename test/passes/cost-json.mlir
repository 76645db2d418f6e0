// RUN: gpt2c-opt %s --gpt2-cost="batch=2 tokens=5 past=1 json=true" -o /dev/null | FileCheck %s
// RUN: gpt2c-opt %s --gpt2-cost="json=true" -o /dev/null | python3 -c "import json, sys; json.load(sys.stdin)"

// Rows = B*T = 10 of E = 4 against V = 6: the LM head is 2*10*6*4 = 480 FLOPs and
// reads 10*4*4 + 6*4*4 = 256 bytes (96 of them weights), writes 10*6*4 = 240:
// 480 / 496 = 0.9677 FLOP/byte. The gather before it reads the 40 bytes of ids
// and 10 rows of 16 bytes.
// CHECK: "batch": 2
// CHECK: "functions": [
// CHECK: "batch": 2
// CHECK: "kinds": {
// CHECK: "gpt2.lm_head": {
// CHECK-NEXT: "bytes_read": 256,
// CHECK-NEXT: "bytes_written": 240,
// CHECK-NEXT: "count": 1,
// CHECK-NEXT: "flops": 480,
// CHECK-NEXT: "intensity": 0.9677
// CHECK: "name": "logits",
// CHECK: "ops": [
// CHECK-NEXT: {
// CHECK-NEXT: "bytes_read": 200,
// CHECK: "location": "embed",
// CHECK-NEXT: "op": "gpt2.embedding",
// CHECK: "location": "head",
// CHECK-NEXT: "op": "gpt2.lm_head",
// The function has no past length: it is costed from an empty cache.
// CHECK: "past": 0,
// CHECK: "phase": "forward",
// CHECK: "tokens": 5,
// CHECK: "total": {
// CHECK-NEXT: "bytes_read": 456,
// CHECK-NEXT: "bytes_written": 400,
// CHECK-NEXT: "flops": 480,
// CHECK: "past": 1,
// CHECK: "tokens": 5

gpt2.weight_store @weights "synthetic:tiny:1"
func.func @logits(%ids: tensor<?x?xi32>) -> tensor<?x?x6xf32> {
  %w = gpt2.weight @weights["wte.weight"] : tensor<6x4xf32>
  %hidden = gpt2.embedding %w[%ids] : tensor<6x4xf32>, tensor<?x?xi32> -> tensor<?x?x4xf32> loc("embed")
  %l = gpt2.lm_head %hidden, %w : tensor<?x?x4xf32>, tensor<6x4xf32> -> tensor<?x?x6xf32> loc("head")
  return %l : tensor<?x?x6xf32>
}
