#ifndef GPT2C_IR_GPT2ATTRS_TD
#define GPT2C_IR_GPT2ATTRS_TD

include "gpt2c/IR/Gpt2Dialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def Gpt2_ConfigAttr : AttrDef<Gpt2_Dialect, "Config"> {
  let mnemonic = "config";
  let summary = "GPT-2 hyper-parameters of the imported model";
  let description = [{
    Attached to the module as `gpt2.config`. Example:
    `#gpt2.config<n_layer = 12, n_embd = 768, n_head = 12, n_positions = 1024,
    vocab_size = 50257, n_inner = 3072, layer_norm_epsilon = 1.0e-05,
    tie_word_embeddings = true>`
  }];
  let parameters = (ins
    "int64_t":$n_layer,
    "int64_t":$n_embd,
    "int64_t":$n_head,
    "int64_t":$n_positions,
    "int64_t":$vocab_size,
    "int64_t":$n_inner,
    "::mlir::FloatAttr":$layer_norm_epsilon,
    "::mlir::BoolAttr":$tie_word_embeddings
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getHeadDim() const { return getNEmbd() / getNHead(); }
  }];
}

#endif // GPT2C_IR_GPT2ATTRS_TD
