// gpt2c-halide-gen: emits x86 kernels with Halide 14. Run by the gpt2c build (and,
// later, by `gpt2c compile`) as a separate process, because Halide links LLVM 14.
//
//   gpt2c-halide-gen smoke --output-dir DIR [--target TARGET]
//   gpt2c-halide-gen kernels --spec SPEC.json --output-dir DIR [--target TARGET] [--stmt]
//   gpt2c-halide-gen tune --spec SPEC.json --output FILE.json [--target TARGET]
//                         [--seconds-per-candidate S] [--threads N]
//
// smoke: a trivial kernel used by the build's coexistence test.
// kernels: the kernels of SPEC.json (../KERNELS.md): DIR/<name>.o and DIR/kernels.h;
//   --stmt also writes DIR/<name>.stmt, Halide's lowered loop nest.
// Both write DIR/halide_runtime.o, the one Halide runtime the kernels share.
// tune: times the candidate schedules of each kernel of SPEC.json (Kernels.h,
//   tuneSpecKernels) JIT-compiled for TARGET, S seconds of runs per candidate
//   (default 0.5) on Halide's thread pool of N threads (default 2), and writes
//   the timings and the fastest schedules to FILE.json.
// TARGET: a Halide target string; default "host". Kernels keep Halide's bounds and
// buffer assertions (what tests use); production passes a target with "no_asserts"
// (e.g. "host-no_asserts"), which removes them from the kernels.
#include "Kernels.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

namespace {

int usage(const std::string &message) {
  std::cerr << "gpt2c-halide-gen: error: " << message
            << "\nusage: gpt2c-halide-gen smoke --output-dir DIR [--target TARGET]"
               "\n       gpt2c-halide-gen kernels --spec SPEC.json --output-dir DIR"
               " [--target TARGET] [--stmt]"
               "\n       gpt2c-halide-gen tune --spec SPEC.json --output FILE.json"
               " [--target TARGET] [--seconds-per-candidate S] [--threads N]\n";
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

int tune(const std::string &specPath, const std::string &output, const std::string &targetName,
         double seconds, int threads) {
  // Halide's JIT thread pool reads its size when it starts, at the first run.
  setenv("HL_NUM_THREADS", std::to_string(threads).c_str(), 1);
  try {
    gpt2c::halide::tuneSpecKernels(specPath, output, Halide::Target(targetName), seconds,
                                   threads);
  } catch (const std::exception &error) {
    return fail(oneLine(error.what()));
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    return usage("missing mode");
  std::string mode = argv[1], outputDir, output, specPath, targetName = "host";
  std::string secondsText = "0.5", threadsText = "2";
  bool statements = false;
  for (int i = 2; i < argc; ++i) {
    if (i + 1 < argc && std::strcmp(argv[i], "--output-dir") == 0)
      outputDir = argv[++i];
    else if (i + 1 < argc && std::strcmp(argv[i], "--target") == 0)
      targetName = argv[++i];
    else if (i + 1 < argc && std::strcmp(argv[i], "--spec") == 0)
      specPath = argv[++i];
    else if (i + 1 < argc && std::strcmp(argv[i], "--output") == 0)
      output = argv[++i];
    else if (i + 1 < argc && std::strcmp(argv[i], "--seconds-per-candidate") == 0)
      secondsText = argv[++i];
    else if (i + 1 < argc && std::strcmp(argv[i], "--threads") == 0)
      threadsText = argv[++i];
    else if (std::strcmp(argv[i], "--stmt") == 0)
      statements = true;
    else
      return usage("unknown argument '" + std::string(argv[i]) + "'");
  }
  if (mode != "smoke" && mode != "kernels" && mode != "tune")
    return usage("unknown mode '" + mode + "'");
  if (mode == "tune" ? output.empty() : outputDir.empty())
    return usage(mode == "tune" ? "missing --output" : "missing --output-dir");
  if (mode != "smoke" && specPath.empty())
    return usage("missing --spec");
  if (!Halide::Target::validate_target_string(targetName))
    return usage("invalid Halide target '" + targetName + "'");
  char *end = nullptr;
  double seconds = std::strtod(secondsText.c_str(), &end);
  if (end == secondsText.c_str() || *end != '\0' || !(seconds > 0 && seconds <= 3600))
    return usage("--seconds-per-candidate must be in (0, 3600], got '" + secondsText + "'");
  int threads = std::atoi(threadsText.c_str());
  if (threads < 1 || threads > 256 || std::to_string(threads) != threadsText)
    return usage("--threads must be an integer in [1, 256], got '" + threadsText + "'");
  if (mode == "tune")
    return tune(specPath, output, targetName, seconds, threads);

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
