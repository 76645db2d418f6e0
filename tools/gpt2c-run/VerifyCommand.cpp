// gpt2c-run verify ARTIFACT: checks every file of the artifact, the sha256 of the
// weights included (which loading skips, see Artifact.h), and when this CPU can
// run the target, that the phase libraries load and export their entries.
#include "Commands.h"

#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/cpu/CpuBackend.h"
#include "gpt2c/support/CommandLine.h"
#include "gpt2c/support/Error.h"

namespace gpt2c::run {

int runVerify(std::span<const std::string> args) {
  std::string path;
  CommandLine command("gpt2c-run verify",
                      "Check every file of an artifact, the weights' sha256 included");
  command.positional("ARTIFACT", "compiled artifact directory (NAME.gpt2c)", path);
  if (!command.parse(args))
    return 0;
  artifact::OpenOptions options;
  options.verifyWeights = true;
  options.checkCpuFeatures = false; // an artifact for another CPU can still be checked
  artifact::Artifact opened = artifact::Artifact::open(path, options);
  const artifact::Manifest manifest = opened.manifest(); // a copy: `opened` moves below
  fmt::print("artifact {}: format {}, {} (model {}), target {}\n", path, manifest.formatVersion,
             manifest.weights.file ? "weights in " + *manifest.weights.file
                                   : "weights from " + *manifest.weights.externalSource,
             manifest.modelSource, manifest.target.name);
  fmt::print("  files: {} checked, weights: {} slots, {} bytes, sha256 {} verified\n",
             manifest.files.size(), manifest.weights.slots.size(), manifest.weights.bytes,
             manifest.weights.sha256);
  try {
    artifact::checkCpuFeatures(manifest, path);
  } catch (const Error &error) {
    fmt::print("  not loaded here: {}\n", error.what());
    return 0;
  }
  cpu::CpuBackend backend(std::move(opened));
  std::string phases;
  for (const auto &[name, phase] : manifest.phases)
    phases += fmt::format("{}{} ({})", phases.empty() ? "" : ", ", name, phase.entry);
  fmt::print("  phases load: {}\n", phases);
  return 0;
}

} // namespace gpt2c::run
