// Writing and opening artifacts: what the writer lays out, what the reader maps,
// and the reader's refusals of damaged artifacts.
#include "TestArtifacts.h"
#include "TestSupport.h"

#include "gpt2c/artifact/Artifact.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>

namespace gpt2c::artifact {
namespace {
namespace fs = std::filesystem;

std::string openError(const fs::path &directory, const OpenOptions &options = {}) {
  try {
    Artifact::open(directory, options);
  } catch (const Error &error) {
    return error.what();
  }
  return "(no error)";
}

void editManifest(const fs::path &directory, const std::function<void(nlohmann::json &)> &edit) {
  nlohmann::json json = nlohmann::json::parse(test::readFile(directory / "manifest.json"));
  edit(json);
  std::ofstream(directory / "manifest.json") << json.dump(2);
}

// Flips one byte of `file` at `offset`.
void corrupt(const fs::path &file, std::uint64_t offset) {
  std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
  stream.seekg(std::streamoff(offset));
  char byte = 0;
  stream.read(&byte, 1);
  byte = char(byte ^ 0x5a);
  stream.seekp(std::streamoff(offset));
  stream.write(&byte, 1);
}

class ArtifactFiles : public ::testing::Test {
protected:
  test::ScratchDir scratch;
  fs::path path = scratch.file("tiny.gpt2c");
};

TEST_F(ArtifactFiles, WriterLaysOutTheDirectory) {
  test::ReferenceArtifactOptions options;
  options.tokenizerDir = test::sharedDir() / "tokenizer" / "gpt2";
  Manifest written = test::writeReferenceArtifact(path, options);
  std::string library = test::referencePhaseLibrary(PackedLayout::KN).filename().string();
  std::set<std::string> names;
  for (const auto &entry : fs::directory_iterator(path))
    names.insert(entry.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"manifest.json", "weights.bin", library, "vocab.json",
                                          "merges.txt"}));
  EXPECT_FALSE(fs::exists(scratch.file("tiny.gpt2c.partial")));
  EXPECT_EQ(written.phases.at("score").library, library);
  EXPECT_EQ(written.phases.at("decode").entry, "gpt2c_run_decode");
  EXPECT_EQ(written.weights.bytes, fs::file_size(path / "weights.bin"));
  EXPECT_EQ(written.files.at("merges.txt").bytes,
            fs::file_size(test::sharedDir() / "tokenizer" / "gpt2" / "merges.txt"));

  Artifact artifact = Artifact::open(path, {.verifyWeights = true});
  EXPECT_EQ(artifact.manifest(), written);
  EXPECT_TRUE(artifact.weightsVerified());
  EXPECT_EQ(artifact.manifest().modelSource, "synthetic:tiny:1");
}

TEST_F(ArtifactFiles, SlotsHoldTheStoreValuesAligned) {
  test::writeReferenceArtifact(path, {.linearLayout = PackedLayout::NK});
  Artifact artifact = Artifact::open(path);
  std::unique_ptr<WeightStore> store = openModel("synthetic:tiny:1");
  const Manifest &manifest = artifact.manifest();
  ASSERT_EQ(artifact.slotPointers().size(), manifest.weights.slots.size());
  for (std::size_t i = 0; i < manifest.weights.slots.size(); ++i) {
    const WeightSlot &slot = manifest.weights.slots[i];
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(artifact.slotPointers()[i]) % 64, 0u);
    std::vector<float> expected = store->readFloat32(slot.recipe.tensor);
    const WeightInfo &info = store->weight(slot.recipe.tensor);
    ASSERT_EQ(slot.bytes, expected.size() * sizeof(float));
    const auto *packed = static_cast<const float *>(artifact.slotPointers()[i]);
    if (slot.recipe.layout == PackedLayout::NK) { // [K][N] stored as [N][K]
      std::int64_t rows = info.shape[0], cols = info.shape[1];
      for (std::int64_t k = 0; k < rows; ++k)
        for (std::int64_t n = 0; n < cols; ++n)
          ASSERT_EQ(packed[n * rows + k], expected[std::size_t(k * cols + n)])
              << slot.recipe.tensor;
    } else {
      EXPECT_EQ(std::memcmp(packed, expected.data(), slot.bytes), 0) << slot.recipe.tensor;
    }
  }
}

TEST_F(ArtifactFiles, ExternalWeightsPackAtLoadTime) {
  Manifest external = test::writeReferenceArtifact(path, {.externalWeights = true});
  EXPECT_FALSE(fs::exists(path / "weights.bin"));
  EXPECT_EQ(external.weights.externalSource, "synthetic:tiny:1");
  fs::path inFile = scratch.file("file.gpt2c");
  Manifest withFile = test::writeReferenceArtifact(inFile);
  EXPECT_EQ(external.weights.sha256, withFile.weights.sha256);

  Artifact a = Artifact::open(path, {.verifyWeights = true});
  Artifact b = Artifact::open(inFile);
  ASSERT_EQ(a.weightImage().size(), b.weightImage().size());
  EXPECT_EQ(std::memcmp(a.weightImage().data(), b.weightImage().data(), a.weightImage().size()), 0);

  // Another seed has the same configuration but other weights: only the hash tells.
  editManifest(path,
               [](nlohmann::json &j) { j["weights"]["external"]["source"] = "synthetic:tiny:2"; });
  EXPECT_NO_THROW(Artifact::open(path));
  EXPECT_NE(openError(path, {.verifyWeights = true}).find("the weights' sha256"),
            std::string::npos);
  editManifest(path,
               [](nlohmann::json &j) { j["weights"]["external"]["source"] = "synthetic:gpt2:1"; });
  EXPECT_NE(openError(path).find("external weights synthetic:gpt2:1: its model configuration "
                                 "differs from the manifest's"),
            std::string::npos)
      << openError(path);
}

// Reduced-precision slots of a Hugging Face checkpoint: in weights.bin, or packed at
// load time from the directory (recorded absolute, so the artifact opens from anywhere).
TEST_F(ArtifactFiles, CheckpointSlotsInEveryPrecision) {
  fs::path model = test::sharedDir() / "models" / "gpt2-mini-pydocs";
  std::unique_ptr<WeightStore> store = openModel(model.string());
  ArtifactSpec spec;
  fs::path library = test::referencePhaseLibrary(PackedLayout::KN);
  spec.phases = {{"prefill", library, "", LogitsRows::Last},
                 {"decode", library, "", LogitsRows::Last}};
  const std::string attn = "h.3.attn.c_attn.weight";
  spec.weights = {
      {"wte.weight", PackedKind::Values, PackedDType::BF16, PackedLayout::Row},
      {attn, PackedKind::Values, PackedDType::Int8, PackedLayout::NK, 64, 1},
      {attn, PackedKind::Int8Scales, PackedDType::F32, PackedLayout::Row, 64, 1},
      {"h.3.mlp.c_fc.bias", PackedKind::Values, PackedDType::F16, PackedLayout::Row},
  };
  Manifest inFile = ArtifactWriter(spec).write(*store, path);
  spec.externalWeights = true;
  fs::path externalPath = scratch.file("external.gpt2c");
  Manifest external = ArtifactWriter(spec).write(*store, externalPath);
  EXPECT_EQ(external.weights.externalSource, fs::absolute(model).lexically_normal().string());
  EXPECT_EQ(external.weights.sha256, inFile.weights.sha256);

  // [384][1152] int8 codes transposed, then 1152 channels x 6 groups of scales.
  EXPECT_EQ(inFile.weights.slots[1].bytes, 384u * 1152);
  EXPECT_EQ(inFile.weights.slots[2].bytes, 1152u * 6 * 4);
  Artifact a = Artifact::open(path, {.verifyWeights = true});
  Artifact b = Artifact::open(externalPath, {.verifyWeights = true});
  for (std::size_t i = 0; i < spec.weights.size(); ++i) {
    std::vector<std::byte> expected = packWeight(*store, spec.weights[i]);
    ASSERT_EQ(std::memcmp(a.slotPointers()[i], expected.data(), expected.size()), 0) << i;
    ASSERT_EQ(std::memcmp(b.slotPointers()[i], expected.data(), expected.size()), 0) << i;
  }
}

TEST_F(ArtifactFiles, SeparateLibrariesAreCopiedEach) {
  Manifest manifest = test::writeReferenceArtifact(path, {.separateLibraries = true});
  for (const char *phase : {"prefill", "decode", "score"}) {
    EXPECT_EQ(manifest.phases.at(phase).library, std::string(phase) + ".so");
    EXPECT_TRUE(fs::is_regular_file(path / (std::string(phase) + ".so")));
  }
  EXPECT_FALSE(fs::exists(path.string() + ".libraries"));
}

TEST_F(ArtifactFiles, WriterReplacesArtifactsOnly) {
  test::writeReferenceArtifact(path, {.score = false});
  Manifest second = test::writeReferenceArtifact(path);
  EXPECT_TRUE(second.findPhase("score"));
  EXPECT_EQ(Artifact::open(path).manifest(), second);

  fs::path notArtifact = scratch.file("documents");
  fs::create_directories(notArtifact);
  std::ofstream(notArtifact / "thesis.tex") << "precious";
  try {
    test::writeReferenceArtifact(notArtifact);
    FAIL();
  } catch (const Error &error) {
    EXPECT_NE(std::string(error.what())
                  .find("exists and is not a gpt2c artifact; refusing to replace it"),
              std::string::npos);
  }
  EXPECT_TRUE(fs::exists(notArtifact / "thesis.tex"));
}

TEST_F(ArtifactFiles, FailedWriteLeavesNothing) {
  ArtifactSpec spec;
  spec.phases = {{"prefill", scratch.file("missing.so"), "", LogitsRows::Last},
                 {"decode", scratch.file("missing.so"), "", LogitsRows::Last}};
  spec.weights = {{"wte.weight"}};
  std::unique_ptr<WeightStore> store = openModel("synthetic:tiny:1");
  EXPECT_THROW(ArtifactWriter(spec).write(*store, path), Error);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path.string() + ".partial"));

  spec.phases = {{"prefill", test::referencePhaseLibrary(PackedLayout::KN), "", LogitsRows::Last}};
  try {
    ArtifactWriter(spec).write(*store, path);
    FAIL();
  } catch (const Error &error) { // the writer's own manifest check
    EXPECT_NE(std::string(error.what()).find("phases: the decode phase is missing"),
              std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(fs::exists(path));
}

// --- what open() refuses ----------------------------------------------------

class DamagedArtifact : public ArtifactFiles {
protected:
  void SetUp() override { manifest = test::writeReferenceArtifact(path); }
  std::string library() const { return manifest.phases.at("prefill").library; }
  Manifest manifest;
};

TEST_F(DamagedArtifact, NotAnArtifact) {
  EXPECT_EQ(openError(scratch.file("nothing")),
            "artifact " + scratch.file("nothing").string() + ": not a directory");
  fs::remove(path / "manifest.json");
  EXPECT_EQ(openError(path),
            "artifact " + path.string() + ": no manifest.json (not a gpt2c artifact)");
}

TEST_F(DamagedArtifact, ManifestNotJson) {
  std::ofstream(path / "manifest.json") << "{\"format\": \"gpt2c-artifact\",";
  EXPECT_TRUE(
      openError(path).starts_with("artifact " + path.string() + ": manifest.json: not valid JSON"))
      << openError(path);
}

TEST_F(DamagedArtifact, NewerFormatVersion) {
  editManifest(path, [](nlohmann::json &j) { j["format_version"] = 2; });
  EXPECT_EQ(openError(path),
            "artifact " + path.string() +
                ": manifest.json: format version 2 is newer than this runtime (1)");
}

TEST_F(DamagedArtifact, TruncatedWeights) {
  fs::resize_file(path / "weights.bin", manifest.weights.bytes - 100);
  EXPECT_EQ(openError(path),
            fmt::format("artifact {}: weights.bin has {} bytes, the manifest records "
                        "{} (truncated)",
                        path.string(), manifest.weights.bytes - 100, manifest.weights.bytes));
  fs::remove(path / "weights.bin");
  EXPECT_EQ(openError(path), "artifact " + path.string() + ": weights.bin is missing");
}

TEST_F(DamagedArtifact, CorruptWeightsFoundByVerifyOnly) {
  corrupt(path / "weights.bin", manifest.weights.slots[5].offset + 3);
  EXPECT_NO_THROW(Artifact::open(path));
  std::string error = openError(path, {.verifyWeights = true});
  EXPECT_NE(error.find("the weights' sha256"), std::string::npos) << error;
  EXPECT_NE(error.find("(modified or corrupted)"), std::string::npos) << error;
}

TEST_F(DamagedArtifact, ModifiedLibrary) {
  corrupt(path / library(), 4000);
  std::string error = openError(path);
  EXPECT_TRUE(error.starts_with("artifact " + path.string() + ": " + library() + ": sha256 "))
      << error;
  EXPECT_NE(error.find("does not match the manifest's"), std::string::npos) << error;
}

TEST_F(DamagedArtifact, MissingOrResizedLibrary) {
  std::ofstream(path / library(), std::ios::app) << "x";
  EXPECT_NE(openError(path).find(library() + " has "), std::string::npos) << openError(path);
  fs::remove(path / library());
  EXPECT_EQ(openError(path), "artifact " + path.string() + ": " + library() + " is missing");
}

TEST_F(DamagedArtifact, CpuWithoutARequiredFeature) {
  editManifest(path, [](nlohmann::json &j) {
    j["target"] = {{"name", "x86-avx512"}, {"cpu_features", {"avx512f", "avx512bw"}}};
  });
  OpenOptions options;
  options.cpuSupports = [](std::string_view feature) -> std::optional<bool> {
    return feature != "avx512bw";
  };
  EXPECT_EQ(openError(path, options), "this CPU lacks avx512bw required by artifact " +
                                          path.string() + " (target x86-avx512)");
  options.checkCpuFeatures = false;
  EXPECT_NO_THROW(Artifact::open(path, options));
}

TEST_F(DamagedArtifact, UnknownCpuFeature) {
  editManifest(path, [](nlohmann::json &j) { j["target"]["cpu_features"] = {"sse2", "avx9000"}; });
  std::string error = openError(path);
  EXPECT_TRUE(error.starts_with("artifact " + path.string() +
                                ": target x86-64 requires CPU feature 'avx9000', which this "
                                "runtime does not know (known: sse2, "))
      << error;
}

TEST(CpuFeatures, KnowsTheAvx512Names) {
  for (std::string_view name : {"avx512f", "avx512bw", "avx512vl", "avx512dq", "fma", "avx2"})
    EXPECT_TRUE(hostCpuSupports(name).has_value()) << name;
  EXPECT_EQ(hostCpuSupports("sse2"), true); // every x86-64 CPU
  EXPECT_FALSE(hostCpuSupports("avx9000").has_value());
}

} // namespace
} // namespace gpt2c::artifact
