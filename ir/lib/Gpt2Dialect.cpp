#include "gpt2c/IR/Gpt2Dialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace gpt2c::gpt2;

#include "gpt2c/IR/Gpt2Dialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "gpt2c/IR/Gpt2Attrs.cpp.inc"

void Gpt2Dialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "gpt2c/IR/Gpt2Ops.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "gpt2c/IR/Gpt2Attrs.cpp.inc"
      >();
}

LogicalResult ConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t nLayer,
                                 int64_t nEmbd, int64_t nHead, int64_t nPositions,
                                 int64_t vocabSize, int64_t nInner, FloatAttr epsilon,
                                 BoolAttr tieWordEmbeddings) {
  auto positive = [&](StringRef key, int64_t value) -> LogicalResult {
    if (value > 0)
      return success();
    return emitError() << key << " must be positive, got " << value;
  };
  if (failed(positive("n_layer", nLayer)) || failed(positive("n_embd", nEmbd)) ||
      failed(positive("n_head", nHead)) || failed(positive("n_positions", nPositions)) ||
      failed(positive("vocab_size", vocabSize)) || failed(positive("n_inner", nInner)))
    return failure();
  if (nEmbd % nHead != 0)
    return emitError() << "n_head (" << nHead << ") must divide n_embd (" << nEmbd << ")";
  if (!epsilon || !(epsilon.getValueAsDouble() > 0.0))
    return emitError() << "layer_norm_epsilon must be positive";
  if (!tieWordEmbeddings)
    return emitError() << "tie_word_embeddings must be true or false";
  return success();
}

LogicalResult Int8QuantAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t axis,
                                    int64_t groupSize) {
  if (axis != 0 && axis != 1)
    return emitError() << "int8 quantization axis must be 0 or 1, got " << axis;
  if (groupSize < 0)
    return emitError() << "int8 group size must not be negative, got " << groupSize;
  return success();
}
