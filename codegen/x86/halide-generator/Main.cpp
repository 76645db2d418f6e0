// gpt2c-halide-gen: emits x86 kernels with Halide 14. Run by the gpt2c build (and,
// later, by `gpt2c compile`) as a separate process, because Halide links LLVM 14.
//
//   gpt2c-halide-gen smoke --output-dir DIR [--target TARGET]
//   gpt2c-halide-gen kernels --spec SPEC.json --output-dir DIR [--target TARGET] [--stmt]
//
// smoke: a trivial kernel used by the build's coexistence test.
// kernels: the kernels of SPEC.json (../KERNELS.md): DIR/<name>.o and DIR/kernels.h;
//   --stmt also writes DIR/<name>.stmt, Halide's lowered loop nest.
// Both write DIR/halide_runtime.o, the one Halide runtime the kernels share.
// TARGET: a Halide target string; default "host". Kernels keep Halide's bounds and
// buffer assertions (what tests use); production passes a target with "no_asserts"
// (e.g. "host-no_asserts"), which removes them from the kernels.
#include "Kernels.h"

#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

namespace {

int usage(const std::string &message) {
  std::cerr << "gpt2c-halide-gen: error: " << message
            << "\nusage: gpt2c-halide-gen smoke --output-dir DIR [--target TARGET]"
               "\n       gpt2c-halide-gen kernels --spec SPEC.json --output-dir DIR"
               " [--target TARGET] [--stmt]\n";
  return 1;
}

int fail(const std::string &message) {
  std::cerr << "gpt2c-halide-gen: error: " << message << "\n";
  return 1;
}

// Halide's messages may span several lines; the generator's errors are one line.
std::string oneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  for (char &c : text)
    if (c == '\n')
      c = ' ';
  return text;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    return usage("missing mode");
  std::string mode = argv[1], outputDir, specPath, targetName = "host";
  bool statements = false;
  for (int i = 2; i < argc; ++i) {
    if (i + 1 < argc && std::strcmp(argv[i], "--output-dir") == 0)
      outputDir = argv[++i];
    else if (i + 1 < argc && std::strcmp(argv[i], "--target") == 0)
      targetName = argv[++i];
    else if (i + 1 < argc && std::strcmp(argv[i], "--spec") == 0)
      specPath = argv[++i];
    else if (std::strcmp(argv[i], "--stmt") == 0)
      statements = true;
    else
      return usage("unknown argument '" + std::string(argv[i]) + "'");
  }
  if (mode != "smoke" && mode != "kernels")
    return usage("unknown mode '" + mode + "'");
  if (outputDir.empty())
    return usage("missing --output-dir");
  if (mode == "kernels" && specPath.empty())
    return usage("missing --spec");
  if (!Halide::Target::validate_target_string(targetName))
    return usage("invalid Halide target '" + targetName + "'");

  try {
    std::filesystem::create_directories(outputDir);
    Halide::Target target(targetName);
    Halide::Target kernelTarget = target.with_feature(Halide::Target::NoRuntime);
    if (mode == "smoke")
      gpt2c::halide::emitSmokeKernel(outputDir, kernelTarget);
    else
      gpt2c::halide::emitSpecKernels(specPath, outputDir, kernelTarget, statements);
    Halide::compile_standalone_runtime(outputDir + "/halide_runtime.o", target);
  } catch (const Halide::Error &error) {
    return fail(oneLine(error.what()));
  } catch (const std::exception &error) {
    return fail(oneLine(error.what()));
  }
  return 0;
}
