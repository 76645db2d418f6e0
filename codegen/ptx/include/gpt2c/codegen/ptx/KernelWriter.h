#pragma once
// Writes one gpu.func kernel as MLIR text (gpu, scf, arith, vector, llvm and
// nvvm ops), one SSA value per call. The kernels of codegen/ptx are written with
// it; the text is parsed and verified by MLIR (PtxEmitter), so a mistake here is
// an MLIR diagnostic at compile time, never a silently wrong kernel.
//
// Every kernel parameter is a global pointer (!llvm.ptr<1>), as the launch plan
// requires. Index arithmetic uses `index`; addresses are formed by
// llvm.getelementptr on an element type. Constants are hoisted to the entry block
// so that they dominate every region.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c::ptx {

using Value = std::string; // an SSA name such as "%v12"

class KernelWriter {
public:
  KernelWriter(std::string name, std::vector<std::string> parameters, int64_t blockSize);

  // The parameter's SSA name ("%" + name).
  Value param(std::string_view name) const;

  // Emits `%vN = TEXT` and returns %vN; `text` is the op after the "=".
  Value op(std::string_view text);
  // Emits an op without results.
  void stmt(std::string_view text);

  Value index(int64_t value);
  Value i32(int64_t value);
  Value f32(double value);
  Value threadId(char dim = 'x');
  Value blockId(char dim = 'x');

  // index arithmetic
  Value add(const Value &a, const Value &b);
  Value sub(const Value &a, const Value &b);
  Value mul(const Value &a, const Value &b);
  Value divu(const Value &a, const Value &b);
  Value remu(const Value &a, const Value &b);
  Value minu(const Value &a, const Value &b);
  Value cmp(std::string_view predicate, const Value &a, const Value &b); // on index
  Value toIndex(const Value &i32Value);

  // float arithmetic on `type` (f32 or a vector of f32)
  Value fadd(const Value &a, const Value &b, std::string_view type = "f32");
  Value fsub(const Value &a, const Value &b, std::string_view type = "f32");
  Value fmul(const Value &a, const Value &b, std::string_view type = "f32");
  Value fdiv(const Value &a, const Value &b, std::string_view type = "f32");
  Value fma(const Value &a, const Value &b, const Value &c, std::string_view type = "f32");
  Value fmax(const Value &a, const Value &b);
  Value select(const Value &condition, const Value &a, const Value &b, std::string_view type);
  Value exp(const Value &x);   // e^x through ex2.approx (relative error ~2^-22)
  Value exp2(const Value &x);  // 2^x, ex2.approx
  Value sqrt(const Value &x);  // sqrt.rn
  Value gelu(const Value &x);  // tanh approximation, as GPT-2's gelu_new
  // Converts `value` of `from` (f32, bf16, f16, or vectors of them) to `to`.
  Value convert(const Value &value, std::string_view from, std::string_view to);
  Value reduceAdd(const Value &vector, std::string_view vectorType);
  Value splat(const Value &scalar, std::string_view vectorType);

  // Address of element `index` of `elementType` from `base` (a pointer in
  // `addressSpace` 1 global or 3 shared).
  Value gep(const Value &base, const Value &index, std::string_view elementType,
            int addressSpace = 1);
  Value load(const Value &pointer, std::string_view type, int addressSpace = 1,
             int64_t alignment = 0);
  void store(const Value &value, const Value &pointer, std::string_view type,
             int addressSpace = 1, int64_t alignment = 0);
  // A shared-memory array of `count` elements of `elementType`, returned as a
  // !llvm.ptr<3> to its start.
  Value sharedArray(std::string_view elementType, int64_t count, int64_t alignment = 16);

  // Warp-level and block-level reductions (all threads of the block must call
  // the block ones; they return the result to every thread).
  // `x` (f32) of the lane whose id differs from this one's by the bits of `mask`.
  Value shuffleXor(const Value &x, int64_t mask);
  Value warpSum(const Value &x);
  Value warpMax(const Value &x);
  Value blockSum(const Value &x);
  Value blockMax(const Value &x);
  void barrier();
  // fence.acq_rel.gpu: this thread's earlier memory operations are ordered before its
  // later ones for every thread of the GPU (a split's partial results before the
  // count that says they are done; the count before the reads of them).
  void fenceDevice();
  // atom.global.add.u32 (relaxed; order it with fenceDevice()): adds `i32Value` to
  // the uint32 at `pointer` (global) and returns the value before.
  Value atomicAdd(const Value &pointer, const Value &i32Value);

  // Programmatic dependent launch: waits until the launches before this one have
  // finished and their writes are visible (griddepcontrol.wait), then lets the
  // next launch of the stream start (griddepcontrol.launch_dependents). Every
  // kernel calls it exactly once, before it reads anything an earlier launch
  // wrote or writes anything an earlier launch reads; only weights may be touched
  // before it. finish() refuses a kernel that never called it.
  void awaitPreviousGrids();
  // Starts an asynchronous copy of `bytes` (a multiple of 16, from a 16-byte
  // aligned global address) into L2: the weights of a launch stream in while the
  // launch before it still runs.
  void prefetchToL2(const Value &pointer, int64_t bytes);

  // scf.for over index values with loop-carried values. beginFor returns the
  // induction variable and the iteration arguments' names; endFor yields and
  // returns the loop's results.
  struct Loop {
    Value inductionVariable;
    std::vector<Value> iterArgs;
  };
  Loop beginFor(const Value &lower, const Value &upper, const Value &step,
                const std::vector<Value> &initial = {}, const std::vector<std::string> &types = {});
  std::vector<Value> endFor(const std::vector<Value> &yielded = {});
  // scf.if without results.
  void beginIf(const Value &condition);
  void endIf();

  // The finished gpu.func text, and the shared-memory globals it uses (to be
  // placed in the enclosing gpu.module).
  std::string finish();
  const std::string &globals() const { return globals_; }

private:
  Value fresh();
  void line(std::string_view text);
  Value warpReduce(const Value &x, bool isMax);
  Value blockReduce(const Value &x, bool isMax);

  struct OpenLoop {
    std::vector<std::string> types;
    std::string resultNames;
  };
  std::string name_;
  std::vector<std::string> parameters_;
  int64_t blockSize_;
  std::string constants_;
  std::string body_;
  std::string globals_;
  int counter_ = 0;
  int indent_ = 2;
  std::vector<OpenLoop> loops_;
  Value reductionScratch_; // 32 floats of shared memory for block reductions
  bool awaited_ = false;
};

} // namespace gpt2c::ptx
