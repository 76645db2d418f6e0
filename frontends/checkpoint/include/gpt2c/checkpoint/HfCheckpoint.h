#pragma once
// A Hugging Face GPT-2 directory: config.json plus model.safetensors, or sharded
// model-*.safetensors with model.safetensors.index.json. Tensor names may carry
// the `transformer.` prefix; attention mask buffers (attn.bias, attn.masked_bias)
// are ignored; a tied checkpoint's lm_head.weight, if saved, is ignored as
// transformers ignores it. Anything else that does not fit the config is refused.
#include "gpt2c/checkpoint/SafeTensors.h"
#include "gpt2c/checkpoint/WeightStore.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace gpt2c {

class HfCheckpoint final : public WeightStore {
public:
  // Opens and validates `directory`; throws gpt2c::Error naming the file and tensor.
  explicit HfCheckpoint(std::string directory);

  std::string source() const override { return directory_; }
  const ModelConfig &config() const override { return config_; }
  const std::vector<WeightInfo> &weights() const override { return weights_; }
  using WeightStore::readFloat32;
  void readFloat32(const std::string &name, std::span<float> out) const override;
  std::optional<std::span<const std::uint8_t>> storedBytes(const std::string &name) const override;

  // The safetensors files backing this checkpoint (one, or one per shard).
  std::vector<std::string> files() const;

private:
  struct Located {
    const SafeTensorsFile *file;
    const SafeTensorEntry *entry;
  };
  const Located &locate(const std::string &name) const;
  void loadSingleFile(const std::string &path);
  void loadShards(const std::string &indexPath);
  void addFileTensors(const SafeTensorsFile &file, const std::set<std::string> *index);
  void validateAgainstConfig();

  std::string directory_;
  ModelConfig config_;
  std::vector<std::shared_ptr<SafeTensorsFile>> files_;
  std::map<std::string, Located> located_; // canonical name -> where it is stored
  std::vector<WeightInfo> weights_;
};

} // namespace gpt2c
