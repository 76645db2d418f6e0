#ifndef GPT2C_IR_GPT2DIALECT_TD
#define GPT2C_IR_GPT2DIALECT_TD

include "mlir/IR/OpBase.td"

def Gpt2_Dialect : Dialect {
  let name = "gpt2";
  let cppNamespace = "::gpt2c::gpt2";
  let summary = "Graph-level operations of a GPT-2 forward step";
  let description = [{
    The `gpt2` dialect describes GPT-2 inference at the level of the model's
    building blocks: embeddings, layer norms, linear layers, GELU, the attention
    primitives, the KV cache and the LM head. Activations are float32 tensors;
    weights are referenced by name from a weight store and keep their storage
    element type (f32, f16 or bf16). Shapes use the letters
    B (batch), T (new tokens), P (past tokens), C (cache capacity), H (heads),
    D (head dimension), E (embedding width), V (vocabulary).
  }];
  let useDefaultAttributePrinterParser = 1;
}

class Gpt2_Op<string mnemonic, list<Trait> traits = []>
    : Op<Gpt2_Dialect, mnemonic, traits>;

#endif // GPT2C_IR_GPT2DIALECT_TD
