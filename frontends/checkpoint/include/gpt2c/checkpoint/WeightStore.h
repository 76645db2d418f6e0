#pragma once
// A source of named weight tensors: a Hugging Face checkpoint (memory-mapped) or
// synthetic weights computed on demand. The importer only needs names, dtypes and
// shapes; executors read values, converted to float32, when they need them.
#include "gpt2c/checkpoint/DType.h"
#include "gpt2c/checkpoint/ModelConfig.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace gpt2c {

struct WeightInfo {
  std::string name; // canonical GPT-2 name, e.g. "h.0.attn.c_attn.weight"
  DType dtype;      // storage dtype (F32, F16 or BF16)
  std::vector<std::int64_t> shape;
  std::int64_t elementCount() const;
};

class WeightStore {
public:
  virtual ~WeightStore() = default;
  // How to find these weights again: an HF directory or "synthetic:CONFIG:SEED".
  virtual std::string source() const = 0;
  virtual const ModelConfig &config() const = 0;
  // The model's tensors in checkpoint order, all validated against the config.
  virtual const std::vector<WeightInfo> &weights() const = 0;
  // Writes tensor `name` as float32 into `out` (elementCount() values).
  virtual void readFloat32(const std::string &name, std::span<float> out) const = 0;
  // The stored bytes when the tensor lives in a mapped file, for zero-copy use.
  virtual std::optional<std::span<const std::uint8_t>> storedBytes(const std::string &name) const {
    return std::nullopt;
  }

  const WeightInfo &weight(const std::string &name) const; // throws when unknown
  const WeightInfo *findWeight(const std::string &name) const;
  // The [V, E] matrix the LM head multiplies by: lm_head.weight when untied, else wte.weight.
  const WeightInfo &lmHeadWeight() const;
  std::vector<float> readFloat32(const std::string &name) const;
};

// Opens MODEL as the command-line tools name it: a Hugging Face directory, or
// "synthetic:CONFIG[:SEED]" (seed 1 by default).
std::unique_ptr<WeightStore> openModel(const std::string &model);

} // namespace gpt2c
