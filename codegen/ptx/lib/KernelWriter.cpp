#include "gpt2c/codegen/ptx/KernelWriter.h"

#include "gpt2c/support/Error.h"

#include <fmt/format.h>

#include <cmath>

namespace gpt2c::ptx {

KernelWriter::KernelWriter(std::string name, std::vector<std::string> parameters,
                           int64_t blockSize)
    : name_(std::move(name)), parameters_(std::move(parameters)), blockSize_(blockSize) {}

Value KernelWriter::param(std::string_view name) const { return fmt::format("%{}", name); }

Value KernelWriter::fresh() { return fmt::format("%v{}", counter_++); }

void KernelWriter::line(std::string_view text) {
  body_.append(std::string(indent_ * 2, ' '));
  body_.append(text);
  body_.push_back('\n');
}

Value KernelWriter::op(std::string_view text) {
  Value result = fresh();
  line(fmt::format("{} = {}", result, text));
  return result;
}

void KernelWriter::stmt(std::string_view text) { line(text); }

Value KernelWriter::index(int64_t value) {
  Value result = fresh();
  constants_ += fmt::format("    {} = arith.constant {} : index\n", result, value);
  return result;
}

Value KernelWriter::i32(int64_t value) {
  Value result = fresh();
  constants_ += fmt::format("    {} = arith.constant {} : i32\n", result, value);
  return result;
}

Value KernelWriter::f32(double value) {
  Value result = fresh();
  if (std::isinf(value))
    constants_ += fmt::format("    {} = arith.constant {} : f32\n", result,
                              value > 0 ? "0x7F800000" : "0xFF800000");
  else
    constants_ += fmt::format("    {} = arith.constant {:.9e} : f32\n", result, value);
  return result;
}

Value KernelWriter::threadId(char dim) { return op(fmt::format("gpu.thread_id {}", dim)); }
Value KernelWriter::blockId(char dim) { return op(fmt::format("gpu.block_id {}", dim)); }

Value KernelWriter::add(const Value &a, const Value &b) {
  return op(fmt::format("arith.addi {}, {} : index", a, b));
}
Value KernelWriter::sub(const Value &a, const Value &b) {
  return op(fmt::format("arith.subi {}, {} : index", a, b));
}
Value KernelWriter::mul(const Value &a, const Value &b) {
  return op(fmt::format("arith.muli {}, {} : index", a, b));
}
Value KernelWriter::divu(const Value &a, const Value &b) {
  return op(fmt::format("arith.divui {}, {} : index", a, b));
}
Value KernelWriter::remu(const Value &a, const Value &b) {
  return op(fmt::format("arith.remui {}, {} : index", a, b));
}
Value KernelWriter::minu(const Value &a, const Value &b) {
  return op(fmt::format("arith.minui {}, {} : index", a, b));
}
Value KernelWriter::cmp(std::string_view predicate, const Value &a, const Value &b) {
  return op(fmt::format("arith.cmpi {}, {}, {} : index", predicate, a, b));
}
Value KernelWriter::toIndex(const Value &i32Value) {
  return op(fmt::format("arith.index_cast {} : i32 to index", i32Value));
}

Value KernelWriter::fadd(const Value &a, const Value &b, std::string_view type) {
  return op(fmt::format("arith.addf {}, {} : {}", a, b, type));
}
Value KernelWriter::fsub(const Value &a, const Value &b, std::string_view type) {
  return op(fmt::format("arith.subf {}, {} : {}", a, b, type));
}
Value KernelWriter::fmul(const Value &a, const Value &b, std::string_view type) {
  return op(fmt::format("arith.mulf {}, {} : {}", a, b, type));
}
Value KernelWriter::fdiv(const Value &a, const Value &b, std::string_view type) {
  return op(fmt::format("arith.divf {}, {} : {}", a, b, type));
}
Value KernelWriter::fma(const Value &a, const Value &b, const Value &c, std::string_view type) {
  // mulf + addf: the NVPTX back end contracts them into fma.rn (its default),
  // while math.fma would become a libdevice call.
  return fadd(fmul(a, b, type), c, type);
}
Value KernelWriter::fmax(const Value &a, const Value &b) {
  return op(fmt::format("arith.maximumf {}, {} : f32", a, b));
}
Value KernelWriter::select(const Value &condition, const Value &a, const Value &b,
                           std::string_view type) {
  return op(fmt::format("arith.select {}, {}, {} : {}", condition, a, b, type));
}

Value KernelWriter::exp(const Value &x) {
  return exp2(fmul(x, f32(1.4426950408889634))); // log2(e)
}

Value KernelWriter::exp2(const Value &x) {
  return op(fmt::format("llvm.call_intrinsic \"llvm.nvvm.ex2.approx.f32\"({}) : (f32) -> f32", x));
}

Value KernelWriter::sqrt(const Value &x) {
  return op(fmt::format("llvm.call_intrinsic \"llvm.nvvm.sqrt.rn.f\"({}) : (f32) -> f32", x));
}

Value KernelWriter::gelu(const Value &x) {
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), tanh(u) = 1 - 2 / (e^(2u) + 1):
  // exact limits at both ends (e^(2u) overflows to inf, or underflows to 0).
  Value cube = fmul(fmul(x, x), x);
  Value inner = fmul(fma(cube, f32(0.044715), x), f32(0.7978845608028654));
  Value e = exp(fmul(inner, f32(2.0)));
  Value tanh = fsub(f32(1.0), fdiv(f32(2.0), fadd(e, f32(1.0))));
  return fmul(fmul(x, f32(0.5)), fadd(tanh, f32(1.0)));
}

Value KernelWriter::convert(const Value &value, std::string_view from, std::string_view to) {
  if (from == to)
    return value;
  bool widening = to.find("f32") != std::string_view::npos;
  return op(fmt::format("arith.{} {} : {} to {}", widening ? "extf" : "truncf", value, from, to));
}

Value KernelWriter::reduceAdd(const Value &vector, std::string_view vectorType) {
  return op(fmt::format("vector.reduction <add>, {} : {} into f32", vector, vectorType));
}

Value KernelWriter::splat(const Value &scalar, std::string_view vectorType) {
  return op(fmt::format("vector.broadcast {} : f32 to {}", scalar, vectorType));
}

Value KernelWriter::gep(const Value &base, const Value &index, std::string_view elementType,
                        int addressSpace) {
  Value offset = op(fmt::format("arith.index_cast {} : index to i64", index));
  return op(fmt::format("llvm.getelementptr inbounds {}[{}] : (!llvm.ptr<{}>, i64) -> "
                        "!llvm.ptr<{}>, {}",
                        base, offset, addressSpace, addressSpace, elementType));
}

Value KernelWriter::load(const Value &pointer, std::string_view type, int addressSpace,
                         int64_t alignment) {
  std::string align = alignment ? fmt::format(" {{alignment = {} : i64}}", alignment) : "";
  return op(fmt::format("llvm.load {}{} : !llvm.ptr<{}> -> {}", pointer, align, addressSpace,
                        type));
}

void KernelWriter::store(const Value &value, const Value &pointer, std::string_view type,
                         int addressSpace, int64_t alignment) {
  std::string align = alignment ? fmt::format(" {{alignment = {} : i64}}", alignment) : "";
  line(fmt::format("llvm.store {}, {}{} : {}, !llvm.ptr<{}>", value, pointer, align, type,
                   addressSpace));
}

Value KernelWriter::sharedArray(std::string_view elementType, int64_t count, int64_t alignment) {
  std::string symbol = fmt::format("{}_shared{}", name_, counter_++);
  globals_ += fmt::format("    llvm.mlir.global internal @{}() {{addr_space = 3 : i32, "
                          "alignment = {} : i64}} : !llvm.array<{} x {}>\n",
                          symbol, alignment, count, elementType);
  return op(fmt::format("llvm.mlir.addressof @{} : !llvm.ptr<3>", symbol));
}

Value KernelWriter::shuffleXor(const Value &x, int64_t mask) {
  Value shuffled = fresh();
  line(fmt::format("{}:2 = gpu.shuffle xor {}, {}, {} : f32", shuffled, x, i32(mask), i32(32)));
  return shuffled + "#0";
}

Value KernelWriter::warpReduce(const Value &x, bool isMax) {
  Value total = x;
  for (int offset = 16; offset >= 1; offset /= 2) {
    Value shuffled = shuffleXor(total, offset);
    total = isMax ? fmax(total, shuffled) : fadd(total, shuffled);
  }
  return total;
}

Value KernelWriter::warpSum(const Value &x) { return warpReduce(x, false); }
Value KernelWriter::warpMax(const Value &x) { return warpReduce(x, true); }

Value KernelWriter::blockReduce(const Value &x, bool isMax) {
  Value partial = warpReduce(x, isMax);
  int64_t warps = (blockSize_ + 31) / 32;
  if (warps == 1)
    return partial;
  if (reductionScratch_.empty()) {
    // Defined once, in the entry block, so that it dominates every use.
    std::string symbol = fmt::format("{}_reduce", name_);
    globals_ += fmt::format("    llvm.mlir.global internal @{}() {{addr_space = 3 : i32, "
                            "alignment = 16 : i64}} : !llvm.array<32 x f32>\n",
                            symbol);
    reductionScratch_ = fresh();
    constants_ +=
        fmt::format("    {} = llvm.mlir.addressof @{} : !llvm.ptr<3>\n", reductionScratch_, symbol);
  }
  Value thread = threadId();
  Value lane = remu(thread, index(32));
  Value warp = divu(thread, index(32));
  beginIf(cmp("eq", lane, index(0)));
  store(partial, gep(reductionScratch_, warp, "f32", 3), "f32", 3);
  endIf();
  barrier();
  Value total = load(gep(reductionScratch_, index(0), "f32", 3), "f32", 3);
  for (int64_t w = 1; w < warps; ++w) {
    Value other = load(gep(reductionScratch_, index(w), "f32", 3), "f32", 3);
    total = isMax ? fmax(total, other) : fadd(total, other);
  }
  barrier(); // the scratch may be reused by the next reduction
  return total;
}

Value KernelWriter::blockSum(const Value &x) { return blockReduce(x, false); }
Value KernelWriter::blockMax(const Value &x) { return blockReduce(x, true); }

void KernelWriter::barrier() { line("gpu.barrier"); }

void KernelWriter::fenceDevice() { line("llvm.fence syncscope(\"device\") acq_rel"); }

Value KernelWriter::atomicAdd(const Value &pointer, const Value &i32Value) {
  return op(fmt::format("llvm.atomicrmw add {}, {} syncscope(\"device\") monotonic : "
                        "!llvm.ptr<1>, i32",
                        pointer, i32Value));
}

void KernelWriter::awaitPreviousGrids() {
  if (awaited_)
    fail("kernel {}: awaitPreviousGrids() called twice", name_);
  awaited_ = true;
  // Waiting first keeps at most one launch ahead: were the dependents let go
  // first, every later launch of the graph could start, holding SM slots and
  // prefetching weights that evict the running launch's.
  line("nvvm.griddepcontrol wait");
  line("nvvm.griddepcontrol launch_dependents");
}

void KernelWriter::prefetchToL2(const Value &pointer, int64_t bytes) {
  if (bytes <= 0 || bytes % 16 != 0 || bytes > (int64_t(1) << 31))
    fail("kernel {}: an L2 prefetch of {} bytes (a positive multiple of 16 is needed)", name_,
         bytes);
  line(fmt::format("nvvm.cp.async.bulk.prefetch {}, {} : !llvm.ptr<1>", pointer, i32(bytes)));
}

KernelWriter::Loop KernelWriter::beginFor(const Value &lower, const Value &upper,
                                          const Value &step, const std::vector<Value> &initial,
                                          const std::vector<std::string> &types) {
  Loop loop{fresh(), {}};
  std::string results;
  std::string header;
  if (initial.empty()) {
    header = fmt::format("scf.for {} = {} to {} step {} {{", loop.inductionVariable, lower, upper,
                         step);
  } else {
    results = fresh();
    std::string args, typeList;
    for (std::size_t i = 0; i < initial.size(); ++i) {
      Value arg = fresh();
      loop.iterArgs.push_back(arg);
      args += fmt::format("{}{} = {}", i ? ", " : "", arg, initial[i]);
      typeList += fmt::format("{}{}", i ? ", " : "", types[i]);
    }
    header = fmt::format("{}:{} = scf.for {} = {} to {} step {} iter_args({}) -> ({}) {{",
                         results, initial.size(), loop.inductionVariable, lower, upper, step, args,
                         typeList);
  }
  line(header);
  ++indent_;
  loops_.push_back({types, results});
  return loop;
}

std::vector<Value> KernelWriter::endFor(const std::vector<Value> &yielded) {
  OpenLoop loop = loops_.back();
  loops_.pop_back();
  std::vector<Value> results;
  if (!yielded.empty()) {
    std::string values, typeList;
    for (std::size_t i = 0; i < yielded.size(); ++i) {
      values += fmt::format("{}{}", i ? ", " : "", yielded[i]);
      typeList += fmt::format("{}{}", i ? ", " : "", loop.types[i]);
      results.push_back(fmt::format("{}#{}", loop.resultNames, i));
    }
    line(fmt::format("scf.yield {} : {}", values, typeList));
  }
  --indent_;
  line("}");
  return results;
}

void KernelWriter::beginIf(const Value &condition) {
  line(fmt::format("scf.if {} {{", condition));
  ++indent_;
}

void KernelWriter::endIf() {
  --indent_;
  line("}");
}

std::string KernelWriter::finish() {
  if (!awaited_)
    fail("kernel {}: never waits for the launches before it (awaitPreviousGrids)", name_);
  std::string parameters;
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    parameters += fmt::format("{}%{}: !llvm.ptr<1>", i ? ", " : "", parameters_[i]);
  return fmt::format("    gpu.func @{}({}) kernel attributes {{gpu.known_block_size = "
                     "array<i32: {}, 1, 1>, nvvm.maxntid = array<i32: {}, 1, 1>}} {{\n{}{}"
                     "      gpu.return\n    }}\n",
                     name_, parameters, blockSize_, blockSize_, constants_, body_);
}

} // namespace gpt2c::ptx
