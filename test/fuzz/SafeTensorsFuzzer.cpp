// Feeds arbitrary bytes to the safetensors parser. A gpt2c::Error is the correct
// answer to malformed input; anything else (a crash, a sanitizer report, another
// exception, a tensor whose bytes fall outside the input) is a bug.
#include "gpt2c/checkpoint/SafeTensors.h"
#include "gpt2c/support/Error.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  try {
    gpt2c::SafeTensorsFile file = gpt2c::SafeTensorsFile::parse(input, "fuzz");
    for (const auto &[name, entry] : file.tensors()) {
      bool inside = entry.bytes.data() >= data && entry.bytes.data() + entry.bytes.size() <= data + size;
      if (!inside || entry.bytes.size() != entry.end - entry.begin)
        std::abort();
      volatile std::uint8_t sink = 0;
      for (std::uint8_t byte : entry.bytes) // touches every byte: ASan checks the bounds
        sink = sink ^ byte;
    }
  } catch (const gpt2c::Error &) {
  }
  return 0;
}
