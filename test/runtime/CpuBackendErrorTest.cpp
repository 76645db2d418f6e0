// What the CPU executor refuses, each with one line naming what and where:
// libraries it cannot load or call, targets it cannot run, and bad input.
#include "TestArtifacts.h"
#include "TestSupport.h"

#include "gpt2c/cpu/CpuBackend.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace gpt2c::cpu {
namespace {
namespace fs = std::filesystem;

template <typename Action> std::string errorOf(Action &&action) {
  try {
    action();
  } catch (const Error &error) {
    std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  return "(no error)";
}

#define EXPECT_CONTAINS(text, fragment)                                                            \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos) << (text)

// An artifact of the tiny model whose phases come from `library`.
fs::path writeWithLibrary(const fs::path &directory, const fs::path &library,
                          const std::string &target = "x86-64") {
  artifact::ArtifactSpec spec;
  spec.target = {target, {}};
  spec.kvCapacity = 16;
  spec.scratchBytes = 64;
  spec.phases = {{"prefill", library, "", artifact::LogitsRows::Last},
                 {"decode", library, "", artifact::LogitsRows::Last}};
  spec.weights = {{"wte.weight"}};
  artifact::ArtifactWriter(spec).write(*openModel("synthetic:tiny:1"), directory);
  return directory;
}

class CpuBackendErrors : public ::testing::Test {
protected:
  test::ScratchDir scratch;
};

TEST_F(CpuBackendErrors, MissingEntrySymbol) {
  fs::path path = scratch.file("t.gpt2c");
  test::writeReferenceArtifact(path, {.decodeEntry = "gpt2c_run_nothing"});
  std::string library = test::referencePhaseLibrary(PackedLayout::KN).filename().string();
  std::string error = errorOf([&] { CpuBackend backend(path); });
  EXPECT_TRUE(error.starts_with("artifact " + path.string() + ": " + library +
                                ": no symbol gpt2c_run_nothing: "))
      << error;
}

TEST_F(CpuBackendErrors, OtherAbiVersion) {
  fs::path path = writeWithLibrary(scratch.file("t.gpt2c"), test::badAbiPhaseLibrary());
  std::string error = errorOf([&] { CpuBackend backend(path); });
  EXPECT_CONTAINS(error, "phase ABI version 99, this runtime implements version 1");
}

TEST_F(CpuBackendErrors, LibraryThatIsNotOne) {
  fs::path fake = scratch.file("prefill.so");
  std::ofstream(fake) << "not an ELF file\n";
  fs::path path = writeWithLibrary(scratch.file("t.gpt2c"), fake);
  std::string error = errorOf([&] { CpuBackend backend(path); });
  EXPECT_TRUE(error.starts_with("artifact " + path.string() + ": prefill.so: cannot load: "))
      << error;
}

TEST_F(CpuBackendErrors, NotAnX86Target) {
  fs::path path = writeWithLibrary(scratch.file("t.gpt2c"),
                                   test::referencePhaseLibrary(PackedLayout::KN), "cuda-sm90");
  EXPECT_CONTAINS(errorOf([&] { CpuBackend backend(path); }),
                  "target cuda-sm90 is not an x86 target; the CPU executor cannot run it");
}

TEST_F(CpuBackendErrors, BadInput) {
  fs::path path = scratch.file("t.gpt2c");
  test::writeReferenceArtifact(path);
  CpuBackend backend(path);
  std::vector<std::int32_t> none, outOfRange{1, 60000}, negative{-1};
  EXPECT_CONTAINS(errorOf([&] { backend.forward(none); }),
                  "cpu executor: 0 token ids do not make 1 sequences of at least one token");
  EXPECT_CONTAINS(errorOf([&] { backend.forward(outOfRange); }),
                  "cpu executor: token id 60000 is out of range [0, 50257)");
  EXPECT_CONTAINS(errorOf([&] { backend.forward(negative); }), "token id -1 is out of range");
  std::vector<std::int32_t> long_(129, 11);
  EXPECT_CONTAINS(errorOf([&] { backend.forward(long_); }),
                  "cpu executor: 0 past + 129 new tokens exceed the 128 positions of artifact");
  std::vector<std::int32_t> three(3, 11), six(6, 11);
  EXPECT_CONTAINS(errorOf([&] { backend.forwardBatch(six, 3); }),
                  "a batch of 3 sequences; artifact " + path.string() +
                      " takes 1 to 2 (max_batch)");
  EXPECT_CONTAINS(errorOf([&] { backend.forwardBatch(three, 2); }),
                  "3 token ids do not make 2 sequences");
  backend.forward(three);
  EXPECT_CONTAINS(errorOf([&] { backend.forwardBatch(six, 2); }),
                  "a batch of 2 sequences, but the caches hold 1; reset() first");
  EXPECT_EQ(backend.pastLength(), 3); // refused before anything ran
  std::vector<std::int32_t> rest(126, 11);
  EXPECT_CONTAINS(errorOf([&] { backend.forward(rest); }), "3 past + 126 new tokens exceed");
}

TEST_F(CpuBackendErrors, PhaseStatusBecomesAnError) {
  // The manifest allows 3 sequences, the library was compiled for 2: it refuses.
  fs::path path = scratch.file("t.gpt2c");
  test::writeReferenceArtifact(path, {.maxBatch = 3});
  CpuBackend backend(path);
  std::vector<std::int32_t> ids(6, 11);
  EXPECT_EQ(errorOf([&] { backend.forwardBatch(ids, 3); }),
            "cpu executor: the prefill phase of artifact " + path.string() +
                " failed on batch 3, 2 tokens after 0: status 1 (batch, tokens or past out of "
                "the compiled range)");
  EXPECT_EQ(backend.pastLength(), 0); // the sequence is reset
  EXPECT_EQ(backend.forwardBatch(std::span(ids).first(4), 2).size(), 2 * 50257u);
}

} // namespace
} // namespace gpt2c::cpu
