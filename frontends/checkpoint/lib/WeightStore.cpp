#include "gpt2c/checkpoint/WeightStore.h"

#include "gpt2c/support/Error.h"

namespace gpt2c {

std::int64_t WeightInfo::elementCount() const {
  std::int64_t count = 1;
  for (std::int64_t extent : shape)
    count *= extent;
  return count;
}

const WeightInfo *WeightStore::findWeight(const std::string &name) const {
  for (const WeightInfo &info : weights())
    if (info.name == name)
      return &info;
  return nullptr;
}

const WeightInfo &WeightStore::weight(const std::string &name) const {
  if (const WeightInfo *info = findWeight(name))
    return *info;
  fail("{}: no tensor '{}'", source(), name);
}

const WeightInfo &WeightStore::lmHeadWeight() const {
  return weight(config().tieWordEmbeddings ? "wte.weight" : "lm_head.weight");
}

std::vector<float> WeightStore::readFloat32(const std::string &name) const {
  std::vector<float> values(static_cast<std::size_t>(weight(name).elementCount()));
  readFloat32(name, values);
  return values;
}

} // namespace gpt2c
