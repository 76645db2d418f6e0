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

def Gpt2_Int8QuantAttr : AttrDef<Gpt2_Dialect, "Int8Quant"> {
  let mnemonic = "int8";
  let summary = "Encoding of an int8 weight tensor: symmetric scales per output channel";
  let description = [{
    Attached as the encoding of an `i8` weight tensor type. Output channel c of
    the weight (index along `axis`) is split into groups of `group_size`
    consecutive values along the other axis (0: one group per channel), each with
    a float32 scale max|w| / 127; the value is q * scale with q in [-127, 127].
    Example: `tensor<768x3072xi8, #gpt2.int8<axis = 1, group_size = 128>>`.
  }];
  let parameters = (ins "int64_t":$axis, "int64_t":$group_size);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // GPT2C_IR_GPT2ATTRS_TD
