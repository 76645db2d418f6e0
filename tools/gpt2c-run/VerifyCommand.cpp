// gpt2c-run verify ARTIFACT: checks every file of the artifact, the sha256 of the
// weights included (which loading skips, see Artifact.h), the launch plan of a GPU
// artifact, and when this machine can run the target, that the phases load (the
// libraries export their entries; the PTX modules compile and hold the kernels).
#include "Commands.h"

#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/runtime/OpenArtifact.h"
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
  if (const artifact::LaunchPlan *plan = opened.launchPlan()) {
    std::size_t launches = 0;
    for (const auto &[name, phase] : plan->phases)
      launches += phase.launches.size();
    fmt::print("  launch plan: {} phases, {} launches, {} bytes of scratch\n", plan->phases.size(),
               launches, plan->scratchBytes);
  }
  // A machine that cannot run the target is no fault of the artifact.
  std::optional<std::string> unavailable;
  if (manifest.target.isGpu()) {
    unavailable = gpu::whyGpuUnavailable(manifest, path);
  } else {
    try {
      artifact::checkCpuFeatures(manifest, path);
    } catch (const Error &error) {
      unavailable = error.what();
    }
  }
  if (unavailable) {
    fmt::print("  not loaded here: {}\n", *unavailable);
    return 0;
  }
  openArtifactBackend(std::move(opened));
  std::string phases;
  for (const auto &[name, phase] : manifest.phases)
    phases += fmt::format("{}{} ({})", phases.empty() ? "" : ", ", name, phase.entry);
  fmt::print("  phases load: {}\n", phases);
  return 0;
}

} // namespace gpt2c::run
