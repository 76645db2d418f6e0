#include "gpt2c/checkpoint/SafeTensorsWriter.h"

#include "gpt2c/support/Error.h"
#include "gpt2c/support/FloatFormats.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

namespace gpt2c {
namespace {

using Json = nlohmann::ordered_json;

struct FileCloser {
  void operator()(std::FILE *file) const { std::fclose(file); }
};

class OutputFile {
public:
  explicit OutputFile(std::string path) : path_(std::move(path)) {
    file_.reset(std::fopen(path_.c_str(), "wb"));
    if (!file_)
      fail("{}: cannot create: {}", path_, std::strerror(errno));
  }
  void write(const void *data, std::size_t size) {
    if (std::fwrite(data, 1, size, file_.get()) != size)
      fail("{}: write failed: {}", path_, std::strerror(errno));
  }
  void close() {
    if (std::fclose(file_.release()) != 0)
      fail("{}: write failed: {}", path_, std::strerror(errno));
  }

private:
  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
};

} // namespace

void writeSafeTensors(const WeightStore &store, DType dtype, const std::string &path) {
  if (!isWeightDType(dtype))
    fail("{}: cannot store weights as {} (use F32, F16 or BF16)", path, dtypeName(dtype));
  const std::size_t elementSize = dtypeSize(dtype);

  Json header = Json::object();
  header["__metadata__"] = {{"format", "pt"}, {"source", store.source()}};
  std::uint64_t offset = 0;
  for (const WeightInfo &info : store.weights()) {
    std::uint64_t bytes = std::uint64_t(info.elementCount()) * elementSize;
    header[info.name] = {{"dtype", dtypeName(dtype)},
                         {"shape", info.shape},
                         {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string headerText = header.dump();
  headerText.append((8 - headerText.size() % 8) % 8, ' '); // keeps the data 8-byte aligned

  std::string temporary = path + ".partial";
  try {
    OutputFile out(temporary);
    std::uint8_t length[8];
    for (int i = 0; i < 8; ++i)
      length[i] = std::uint8_t(std::uint64_t(headerText.size()) >> (8 * i));
    out.write(length, sizeof length);
    out.write(headerText.data(), headerText.size());

    std::vector<float> values;
    std::vector<std::uint16_t> narrowed;
    for (const WeightInfo &info : store.weights()) {
      values.resize(static_cast<std::size_t>(info.elementCount()));
      store.readFloat32(info.name, values);
      if (dtype == DType::F32) {
        out.write(values.data(), values.size() * sizeof(float));
        continue;
      }
      auto narrow = dtype == DType::F16 ? floatToHalf : floatToBfloat16;
      narrowed.resize(values.size());
      for (std::size_t i = 0; i < values.size(); ++i)
        narrowed[i] = narrow(values[i]);
      out.write(narrowed.data(), narrowed.size() * sizeof(std::uint16_t));
    }
    out.close();
    std::filesystem::rename(temporary, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
}

} // namespace gpt2c
