// The safetensors parser on valid images and on every kind of malformed one.
#include "gpt2c/checkpoint/SafeTensors.h"
#include "gpt2c/support/Error.h"

#include "SafeTensorsImage.h"
#include "TestSupport.h"

#include <gtest/gtest.h>

namespace gpt2c {
namespace {

using test::rawBytes;
using test::safeTensorsImage;

// Expects parsing to fail with a message containing `fragment` (and the source name).
void expectRejected(const std::vector<std::uint8_t> &image, const std::string &fragment) {
  try {
    SafeTensorsFile::parse(image, "bad.safetensors");
    ADD_FAILURE() << "accepted an image that should fail with: " << fragment;
  } catch (const Error &error) {
    std::string message = error.what();
    EXPECT_NE(message.find("bad.safetensors"), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
  }
}

TEST(SafeTensors, ParsesTensorsAndMetadata) {
  std::vector<float> a = {1.0f, -2.0f, 3.5f, 0.25f, 8.0f, 9.0f};
  std::vector<std::uint16_t> b = {0x3C00, 0xC000}; // F16 1.0, -2.0
  std::vector<std::uint8_t> data = rawBytes(a);
  auto bBytes = rawBytes(b);
  data.insert(data.end(), bBytes.begin(), bBytes.end());
  auto image = safeTensorsImage(
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("b":{"dtype":"F16","shape":[2],"data_offsets":[24,28]}})",
      data);
  SafeTensorsFile file = SafeTensorsFile::parse(image, "good");
  ASSERT_EQ(file.tensors().size(), 2u);
  const SafeTensorEntry *entryA = file.find("a");
  ASSERT_NE(entryA, nullptr);
  EXPECT_EQ(entryA->dtype, DType::F32);
  EXPECT_EQ(entryA->shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(entryA->elementCount(), 6);
  float third;
  std::memcpy(&third, entryA->bytes.data() + 8, 4);
  EXPECT_EQ(third, 3.5f);
  EXPECT_EQ(file.find("b")->bytes.size(), 4u);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  EXPECT_EQ(file.find("missing"), nullptr);
}

TEST(SafeTensors, AcceptsEmptyAndScalarTensors) {
  auto image = safeTensorsImage(
      R"({"empty":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},)"
      R"("scalar":{"dtype":"I64","shape":[],"data_offsets":[0,8]}})",
      std::vector<std::uint8_t>(8, 0));
  SafeTensorsFile file = SafeTensorsFile::parse(image, "good");
  EXPECT_EQ(file.find("empty")->elementCount(), 0);
  EXPECT_EQ(file.find("scalar")->elementCount(), 1);
}

TEST(SafeTensors, RejectsTruncatedFiles) {
  expectRejected({1, 2, 3}, "truncated");
  expectRejected(safeTensorsImage("{}", {}, 100), "truncated: header needs 100 bytes");
  auto image = safeTensorsImage(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                                std::vector<std::uint8_t>(12));
  expectRejected(image, "exceed the 12 bytes of data");
}

TEST(SafeTensors, RejectsOversizedHeader) {
  expectRejected(safeTensorsImage("{}", {}, (100u << 20) + 1), "exceeds the");
}

TEST(SafeTensors, RejectsMalformedHeaders) {
  expectRejected(safeTensorsImage(R"({"a":)", {}), "malformed header JSON");
  expectRejected(safeTensorsImage(R"([1,2])", {}), "not an object");
  expectRejected(safeTensorsImage(R"({"a":3})", {}), "header entry is not an object");
  expectRejected(safeTensorsImage(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", {0, 0, 0, 0}),
                 "missing or non-string 'dtype'");
  expectRejected(safeTensorsImage(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", {0, 0, 0, 0}),
                 "missing or non-array 'shape'");
  expectRejected(safeTensorsImage(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                                  {0, 0, 0, 0}),
                 "non-negative integers");
  expectRejected(safeTensorsImage(R"({"a":{"dtype":"F32","shape":[1]}})", {0, 0, 0, 0}),
                 "'data_offsets' must be [begin, end]");
  expectRejected(safeTensorsImage(R"({"__metadata__":{"k":1}})", {}), "is not a string");
  expectRejected(
      safeTensorsImage(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                       R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                       std::vector<std::uint8_t>(8)),
      "tensor 'a' appears twice");
}

TEST(SafeTensors, RejectsUnknownDtype) {
  expectRejected(safeTensorsImage(R"({"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}})",
                                  std::vector<std::uint8_t>(16)),
                 "unknown dtype \"F128\"");
}

TEST(SafeTensors, RejectsOffsetsThatDisagreeWithShape) {
  expectRejected(safeTensorsImage(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                                  std::vector<std::uint8_t>(8)),
                 "hold 8 bytes but F32 [3] needs 12");
  expectRejected(safeTensorsImage(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})",
                                  std::vector<std::uint8_t>(8)),
                 "end before they begin");
  expectRejected(
      safeTensorsImage(
          R"({"a":{"dtype":"F32","shape":[4611686018427387904,8],"data_offsets":[0,8]}})",
          std::vector<std::uint8_t>(8)),
      "overflows");
}

TEST(SafeTensors, RejectsOverlappingTensors) {
  expectRejected(
      safeTensorsImage(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                       std::vector<std::uint8_t>(12)),
      "overlap");
}

TEST(SafeTensors, OpenReportsMissingFile) {
  try {
    SafeTensorsFile::open("/nonexistent/model.safetensors");
    ADD_FAILURE() << "opened a missing file";
  } catch (const Error &error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/model.safetensors: cannot open"),
              std::string::npos);
  }
}

TEST(SafeTensors, OpenMapsAFileFromDisk) {
  test::ScratchDir dir;
  dir.write("m.safetensors",
            safeTensorsImage(R"({"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})",
                             {0x80, 0x3F, 0x00, 0x40}));
  auto file = SafeTensorsFile::open(dir.file("m.safetensors").string());
  ASSERT_NE(file->find("x"), nullptr);
  EXPECT_EQ(file->find("x")->bytes[1], 0x3F);
}

} // namespace
} // namespace gpt2c
