// gpt2c-halide-gen: emits x86 kernels with Halide 14. Run by the gpt2c build (and,
// later, by `gpt2c compile`) as a separate process, because Halide links LLVM 14.
//
//   gpt2c-halide-gen MODE --output-dir DIR [--target TARGET]
//
// MODE: smoke (a trivial kernel used by the build's coexistence test).
// TARGET: a Halide target string; default "host".
#include "Kernels.h"

#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

namespace {

int usage(const char *message) {
  std::cerr << "gpt2c-halide-gen: error: " << message
            << "\nusage: gpt2c-halide-gen smoke --output-dir DIR [--target TARGET]\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    return usage("missing mode");
  std::string mode = argv[1], outputDir, targetName = "host";
  for (int i = 2; i < argc; ++i) {
    if (i + 1 < argc && std::strcmp(argv[i], "--output-dir") == 0)
      outputDir = argv[++i];
    else if (i + 1 < argc && std::strcmp(argv[i], "--target") == 0)
      targetName = argv[++i];
    else
      return usage((std::string("unknown argument '") + argv[i] + "'").c_str());
  }
  if (outputDir.empty())
    return usage("missing --output-dir");
  if (!Halide::Target::validate_target_string(targetName))
    return usage(("invalid Halide target '" + targetName + "'").c_str());

  try {
    std::filesystem::create_directories(outputDir);
    Halide::Target target(targetName);
    Halide::Target kernelTarget = target.with_feature(Halide::Target::NoRuntime);
    if (mode == "smoke")
      gpt2c::halide::emitSmokeKernel(outputDir, kernelTarget);
    else
      return usage(("unknown mode '" + mode + "'").c_str());
    Halide::compile_standalone_runtime(outputDir + "/halide_runtime.o", target);
  } catch (const Halide::Error &error) {
    std::cerr << "gpt2c-halide-gen: error: " << error.what() << "\n";
    return 1;
  } catch (const std::exception &error) {
    std::cerr << "gpt2c-halide-gen: error: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
