// gpt2c compile MODEL --target x86-avx512 [--weights f32|bf16|f16|int8] [--max-batch B]
//               [--external-weights] -o OUT.gpt2c
#include "Commands.h"

#include "gpt2c/codegen/X86Compiler.h"
#include "gpt2c/codegen/ptx/PtxCompiler.h"
#include "gpt2c/support/Error.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

namespace gpt2c::driver {

llvm::cl::SubCommand compileCommand("compile",
                                    "Compile a model into prefill and decode executables");

namespace {
using llvm::cl::desc;
using llvm::cl::init;
using llvm::cl::sub;
using llvm::cl::value_desc;

llvm::cl::opt<std::string> model(llvm::cl::Positional, llvm::cl::Required,
                                 desc("<HF directory | synthetic:CONFIG[:SEED]>"),
                                 sub(compileCommand));
llvm::cl::opt<std::string> target("target", desc("Code generation target: x86-avx512 or sm_90"),
                                  init("x86-avx512"), sub(compileCommand));
llvm::cl::opt<std::string> output("o", llvm::cl::Required, desc("Output artifact directory"),
                                  value_desc("OUT.gpt2c"), sub(compileCommand));
llvm::cl::opt<std::string> weights("weights", desc("Weight storage: f32 (default), bf16, f16, int8"),
                                   init("f32"), sub(compileCommand));
llvm::cl::opt<int64_t> groupSize("group-size", desc("int8 values per scale (0: per channel)"),
                                 init(0), sub(compileCommand));
llvm::cl::opt<std::string> embeddings("embeddings", desc("Storage of wte/wpe (default: as weights)"),
                                      sub(compileCommand));
llvm::cl::opt<int64_t> maxBatch("max-batch", desc("Sequences per step (default 1)"), init(1),
                                sub(compileCommand));
llvm::cl::opt<int64_t> maxTokens("max-tokens",
                                 desc("Tokens per prefill step (default: the context size)"),
                                 init(0), sub(compileCommand));
llvm::cl::opt<bool> externalWeights("external-weights",
                                    desc("Keep weights in their source; the runtime packs them"),
                                    sub(compileCommand));
llvm::cl::opt<std::string> tuningDb("tuning-db", desc("Schedules measured by gpt2c tune"),
                                    value_desc("FILE"), sub(compileCommand));
llvm::cl::opt<std::string> halideTarget("halide-target", desc("Halide target string (advanced)"),
                                        sub(compileCommand));
llvm::cl::opt<std::string> tokenizerDir("tokenizer",
                                        desc("Copy vocab.json and merges.txt from DIR"),
                                        value_desc("DIR"), sub(compileCommand));
llvm::cl::opt<bool> keep("keep-intermediates",
                         desc("Keep IR, kernel specs and objects in OUT.gpt2c.work"),
                         sub(compileCommand));
} // namespace

int runCompile() {
  if (target != "x86-avx512" && target != "sm_90")
    fail("--target: unsupported '{}' (available: x86-avx512, sm_90)", target.getValue());
  // What both back ends take alike.
  auto common = [](auto &options) {
    options.model = model;
    options.output = output;
    options.pipeline.weights = weights;
    options.pipeline.groupSize = groupSize;
    options.pipeline.embeddings = embeddings;
    options.maxBatch = maxBatch;
    options.maxTokens = maxTokens;
    options.externalWeights = externalWeights;
    options.tokenizerDir = tokenizerDir;
    options.keepIntermediates = keep;
  };
  auto start = std::chrono::steady_clock::now();
  if (target == "sm_90") {
    if (!tuningDb.empty() || !halideTarget.empty())
      fail("--tuning-db and --halide-target apply to x86-avx512 only");
    ptx::CompileOptions options;
    common(options);
    options.target = target;
    ptx::compile(options);
  } else {
    x86::CompileOptions options;
    common(options);
    options.tuningDb = tuningDb;
    options.halideTarget = halideTarget;
    x86::compile(options);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  llvm::outs() << "compiled " << model << " for " << target << " into " << output << " in "
               << llvm::format("%.1f", seconds) << " s\n";
  return 0;
}

} // namespace gpt2c::driver
