// Row-wise kernels: embeddings, layer norm, last-token gather, KV-cache writes.
// One block per row, threads striding over the row's elements (coalesced).
#include "KernelCommon.h"
#include "gpt2c/codegen/ptx/Kernels.h"

namespace gpt2c::ptx {

namespace {
constexpr int64_t kRowBlock = 256;
} // namespace

KernelSource embedKernel(const std::string &name, const EmbedSpec &spec) {
  KernelWriter w(name, {"params", "ids", "wte", "wpe", "out"}, kRowBlock);
  w.awaitPreviousGrids();
  StepParams step = loadStepParams(w);
  Value row = w.blockId();
  Value position = w.add(step.past, w.remu(row, step.tokens));
  Value token = w.toIndex(w.load(w.gep(w.param("ids"), row, "i32"), "i32"));
  Value embd = w.index(spec.embd);
  Value tokenBase = w.mul(token, embd);
  Value positionBase = w.mul(position, embd);
  Value outBase = w.mul(row, embd);
  auto loop = w.beginFor(w.threadId(), embd, w.index(kRowBlock));
  Value e = loop.inductionVariable;
  Value word = w.convert(w.load(w.gep(w.param("wte"), w.add(tokenBase, e), spec.wteType),
                                spec.wteType),
                         spec.wteType, "f32");
  Value place = w.convert(w.load(w.gep(w.param("wpe"), w.add(positionBase, e), spec.wpeType),
                                 spec.wpeType),
                          spec.wpeType, "f32");
  w.store(w.fadd(word, place), w.gep(w.param("out"), w.add(outBase, e), "f32"), "f32");
  w.endFor();
  return {name, w.finish(), w.globals(), kRowBlock};
}

KernelSource layerNormKernel(const std::string &name, const LayerNormSpec &spec) {
  KernelWriter w(name, {"params", "in", "gamma", "beta", "out"}, kRowBlock);
  w.awaitPreviousGrids();
  Value row = w.blockId();
  Value width = w.index(spec.width);
  Value base = w.mul(row, width);
  Value step = w.index(kRowBlock);
  Value zero = w.f32(0.0);
  // Two passes over the row (it stays in L1): the mean, then the centred variance.
  auto sumLoop = w.beginFor(w.threadId(), width, step, {zero}, {"f32"});
  Value x = w.load(w.gep(w.param("in"), w.add(base, sumLoop.inductionVariable), "f32"), "f32");
  Value sum = w.endFor({w.fadd(sumLoop.iterArgs[0], x)})[0];
  Value mean = w.fdiv(w.blockSum(sum), w.f32(double(spec.width)));
  auto varLoop = w.beginFor(w.threadId(), width, step, {zero}, {"f32"});
  Value centred = w.fsub(
      w.load(w.gep(w.param("in"), w.add(base, varLoop.inductionVariable), "f32"), "f32"), mean);
  Value squares = w.endFor({w.fma(centred, centred, varLoop.iterArgs[0])})[0];
  Value variance = w.fdiv(w.blockSum(squares), w.f32(double(spec.width)));
  Value rstd = w.fdiv(w.f32(1.0), w.sqrt(w.fadd(variance, w.f32(spec.epsilon))));
  auto outLoop = w.beginFor(w.threadId(), width, step);
  Value e = outLoop.inductionVariable;
  Value value = w.load(w.gep(w.param("in"), w.add(base, e), "f32"), "f32");
  Value normed = w.fmul(w.fsub(value, mean), rstd);
  Value gamma = w.load(w.gep(w.param("gamma"), e, "f32"), "f32");
  Value beta = w.load(w.gep(w.param("beta"), e, "f32"), "f32");
  w.store(w.fma(normed, gamma, beta), w.gep(w.param("out"), w.add(base, e), "f32"), "f32");
  w.endFor();
  return {name, w.finish(), w.globals(), kRowBlock};
}

KernelSource gatherLastKernel(const std::string &name, int64_t width) {
  KernelWriter w(name, {"params", "in", "out"}, kRowBlock);
  w.awaitPreviousGrids();
  StepParams step = loadStepParams(w);
  Value sequence = w.blockId();
  Value lastRow = w.sub(w.mul(w.add(sequence, w.index(1)), step.tokens), w.index(1));
  Value widthValue = w.index(width);
  Value from = w.mul(lastRow, widthValue);
  Value to = w.mul(sequence, widthValue);
  auto loop = w.beginFor(w.threadId(), widthValue, w.index(kRowBlock));
  Value e = loop.inductionVariable;
  Value value = w.load(w.gep(w.param("in"), w.add(from, e), "f32"), "f32");
  w.store(value, w.gep(w.param("out"), w.add(to, e), "f32"), "f32");
  w.endFor();
  return {name, w.finish(), w.globals(), kRowBlock};
}

KernelSource kvWriteKernel(const std::string &name, const KvWriteSpec &spec) {
  KernelWriter w(name, {"params", "source", "cache"}, kRowBlock);
  w.awaitPreviousGrids();
  StepParams step = loadStepParams(w);
  Value row = w.blockId();
  Value sequence = w.divu(row, step.tokens);
  Value position = w.add(step.past, w.remu(row, step.tokens));
  Value headDim = w.index(spec.headDim);
  Value width = w.index(spec.heads * spec.headDim);
  Value sourceBase = w.mul(row, w.index(spec.sourceRowStride));
  Value sequenceBase = w.mul(sequence, w.index(spec.heads));
  auto loop = w.beginFor(w.threadId(), width, w.index(kRowBlock));
  Value e = loop.inductionVariable;
  Value head = w.divu(e, headDim);
  Value d = w.remu(e, headDim);
  // cache[b][h][position][d]
  Value slot = w.add(w.mul(w.add(w.mul(w.add(sequenceBase, head), w.index(spec.capacity)),
                                 position),
                           headDim),
                     d);
  Value value = w.load(w.gep(w.param("source"), w.add(sourceBase, e), "f32"), "f32");
  w.store(value, w.gep(w.param("cache"), slot, "f32"), "f32");
  w.endFor();
  return {name, w.finish(), w.globals(), kRowBlock};
}

} // namespace gpt2c::ptx
