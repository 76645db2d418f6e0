// Weight packing against hand-computed cases: layouts, 16-bit formats, int8 codes
// and scales (values chosen so that every scale and code is exact).
#include "gpt2c/checkpoint/WeightPacking.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <map>

namespace gpt2c {
namespace {

// A weight store holding a few small tensors given by value.
class TableWeights final : public WeightStore {
public:
  void add(std::string name, std::vector<std::int64_t> shape, std::vector<float> values) {
    weights_.push_back({name, DType::F32, std::move(shape)});
    values_[std::move(name)] = std::move(values);
  }
  std::string source() const override { return "table"; }
  const ModelConfig &config() const override { return config_; }
  const std::vector<WeightInfo> &weights() const override { return weights_; }
  using WeightStore::readFloat32;
  void readFloat32(const std::string &name, std::span<float> out) const override {
    const std::vector<float> &values = values_.at(name);
    std::copy(values.begin(), values.end(), out.begin());
  }

private:
  ModelConfig config_;
  std::vector<WeightInfo> weights_;
  std::map<std::string, std::vector<float>> values_;
};

template <typename T> std::vector<T> as(const std::vector<std::byte> &bytes) {
  std::vector<T> values(bytes.size() / sizeof(T));
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

PackingRecipe recipe(std::string tensor, PackedDType dtype, PackedLayout layout,
                     PackedKind kind = PackedKind::Values, std::int64_t groupSize = 0,
                     std::int64_t axis = 1) {
  return {std::move(tensor), kind, dtype, layout, groupSize, axis};
}

class WeightPacking : public ::testing::Test {
protected:
  void SetUp() override {
    store.add("m", {2, 3}, {1, 2, 3, 4, 5, 6});
    store.add("bias", {3}, {1.0f, -2.0f, 0.25f});
    store.add("q", {2, 3}, {127, -63.5f, 10, -20.25f, 254, 0});
    store.add("groups", {1, 4}, {127, -63.5f, 254, 127});
    store.add("rounding", {1, 4}, {1.0f, 1.00390625f, 1.01171875f, -2.0f});
  }
  TableWeights store;
};

TEST_F(WeightPacking, Float32RowAndKnKeepTheCheckpointOrder) {
  EXPECT_EQ(as<float>(packWeight(store, recipe("m", PackedDType::F32, PackedLayout::Row))),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(as<float>(packWeight(store, recipe("m", PackedDType::F32, PackedLayout::KN))),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(as<float>(packWeight(store, recipe("bias", PackedDType::F32, PackedLayout::Row))),
            (std::vector<float>{1.0f, -2.0f, 0.25f}));
}

TEST_F(WeightPacking, NkTransposes) {
  // [K=2][N=3] -> [N=3][K=2]
  EXPECT_EQ(as<float>(packWeight(store, recipe("m", PackedDType::F32, PackedLayout::NK))),
            (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST_F(WeightPacking, KPairsInterleaveRowPairs) {
  // [K=2][N=3] -> [K/2=1][N=3][2]: (1, 4), (2, 5), (3, 6) as bf16.
  EXPECT_EQ(as<std::uint16_t>(packWeight(store, recipe("m", PackedDType::BF16, PackedLayout::KPairs))),
            (std::vector<std::uint16_t>{0x3F80, 0x4080, 0x4000, 0x40A0, 0x4040, 0x40C0}));
}

TEST_F(WeightPacking, Bfloat16RoundsToNearestEven) {
  // 1 + 2^-8 lies halfway between 0x3F80 and 0x3F81 (even: 0x3F80); 1 + 3 * 2^-8
  // halfway between 0x3F81 and 0x3F82 (even: 0x3F82).
  EXPECT_EQ(as<std::uint16_t>(
                packWeight(store, recipe("rounding", PackedDType::BF16, PackedLayout::Row))),
            (std::vector<std::uint16_t>{0x3F80, 0x3F80, 0x3F82, 0xC000}));
}

TEST_F(WeightPacking, HalfBits) {
  EXPECT_EQ(
      as<std::uint16_t>(packWeight(store, recipe("bias", PackedDType::F16, PackedLayout::Row))),
      (std::vector<std::uint16_t>{0x3C00, 0xC000, 0x3400}));
  EXPECT_EQ(as<std::uint16_t>(packWeight(store, recipe("m", PackedDType::F16, PackedLayout::NK))),
            (std::vector<std::uint16_t>{0x3C00, 0x4400, 0x4000, 0x4500, 0x4200, 0x4600}));
}

TEST_F(WeightPacking, Int8PerColumnChannel) {
  // Columns are channels: scales max|w| / 127 = 1, 2, 10/127; 63.5 rounds away from 0.
  EXPECT_EQ(as<std::int8_t>(packWeight(store, recipe("q", PackedDType::Int8, PackedLayout::KN))),
            (std::vector<std::int8_t>{127, -32, 127, -20, 127, 0}));
  EXPECT_EQ(as<std::int8_t>(packWeight(store, recipe("q", PackedDType::Int8, PackedLayout::NK))),
            (std::vector<std::int8_t>{127, -20, -32, 127, 127, 0}));
  EXPECT_EQ(as<float>(packWeight(
                store, recipe("q", PackedDType::F32, PackedLayout::Row, PackedKind::Int8Scales))),
            (std::vector<float>{1.0f, 2.0f, 10.0f / 127.0f}));
}

TEST_F(WeightPacking, Int8PerRowChannel) {
  auto codes = recipe("q", PackedDType::Int8, PackedLayout::Row, PackedKind::Values, 0, 0);
  EXPECT_EQ(as<std::int8_t>(packWeight(store, codes)),
            (std::vector<std::int8_t>{127, -64, 10, -10, 127, 0}));
  auto scales = recipe("q", PackedDType::F32, PackedLayout::Row, PackedKind::Int8Scales, 0, 0);
  EXPECT_EQ(as<float>(packWeight(store, scales)), (std::vector<float>{1.0f, 2.0f}));
}

TEST_F(WeightPacking, Int8Groups) {
  // One channel (axis 0) of four values in two groups: scales 1 and 2.
  auto codes = recipe("groups", PackedDType::Int8, PackedLayout::Row, PackedKind::Values, 2, 0);
  EXPECT_EQ(as<std::int8_t>(packWeight(store, codes)),
            (std::vector<std::int8_t>{127, -64, 127, 64}));
  auto scales = recipe("groups", PackedDType::F32, PackedLayout::Row, PackedKind::Int8Scales, 2, 0);
  EXPECT_EQ(packedByteSize(scales, std::vector<std::int64_t>{1, 4}), 8u);
  EXPECT_EQ(as<float>(packWeight(store, scales)), (std::vector<float>{1.0f, 2.0f}));
}

TEST_F(WeightPacking, Sizes) {
  std::vector<std::int64_t> shape{64, 192};
  EXPECT_EQ(packedByteSize(recipe("w", PackedDType::F32, PackedLayout::KN), shape), 64u * 192 * 4);
  EXPECT_EQ(packedByteSize(recipe("w", PackedDType::BF16, PackedLayout::NK), shape), 64u * 192 * 2);
  EXPECT_EQ(packedByteSize(recipe("w", PackedDType::Int8, PackedLayout::NK, PackedKind::Values, 32),
                           shape),
            64u * 192);
  // 192 channels x (64 / 32) groups of float32.
  EXPECT_EQ(
      packedByteSize(recipe("w", PackedDType::F32, PackedLayout::Row, PackedKind::Int8Scales, 32),
                     shape),
      192u * 2 * 4);
}

TEST_F(WeightPacking, PacksModelTensorsAsTheStoreReadsThem) {
  std::unique_ptr<WeightStore> tiny = openModel("synthetic:tiny:1");
  std::vector<float> values = tiny->readFloat32("h.1.mlp.c_fc.weight"); // [64][256]
  std::vector<float> kn = as<float>(
      packWeight(*tiny, recipe("h.1.mlp.c_fc.weight", PackedDType::F32, PackedLayout::KN)));
  std::vector<float> nk = as<float>(
      packWeight(*tiny, recipe("h.1.mlp.c_fc.weight", PackedDType::F32, PackedLayout::NK)));
  ASSERT_EQ(kn.size(), 64u * 256);
  EXPECT_EQ(kn, values);
  for (std::size_t k = 0; k < 64; k += 7)
    for (std::size_t n = 0; n < 256; n += 13)
      EXPECT_EQ(nk[n * 64 + k], values[k * 256 + n]);
  // Deterministic.
  EXPECT_EQ(packWeight(*tiny, recipe("wte.weight", PackedDType::Int8, PackedLayout::Row,
                                     PackedKind::Values, 16, 0)),
            packWeight(*tiny, recipe("wte.weight", PackedDType::Int8, PackedLayout::Row,
                                     PackedKind::Values, 16, 0)));
}

void expectError(const std::function<void()> &action, const std::string &fragment) {
  try {
    action();
    ADD_FAILURE() << "no error; expected one containing: " << fragment;
  } catch (const Error &error) {
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
  }
}

TEST_F(WeightPacking, RefusesRecipesThatDoNotFit) {
  expectError([&] { packWeight(store, recipe("bias", PackedDType::F32, PackedLayout::NK)); },
              "layout nk needs a 2-D tensor, 'bias' has 1 dimensions");
  expectError([&] { packWeight(store, recipe("bias", PackedDType::Int8, PackedLayout::Row)); },
              "int8 needs a 2-D tensor");
  expectError([&] { packWeight(store, recipe("m", PackedDType::F32, PackedLayout::KPairs)); },
              "layout kpairs holds bf16 values only, not f32 values");
  expectError([&] { packWeight(store, recipe("groups", PackedDType::BF16, PackedLayout::KPairs)); },
              "layout kpairs needs an even number of rows, 'groups' has 1");
  expectError(
      [&] {
        packWeight(store, recipe("m", PackedDType::Int8, PackedLayout::KN, PackedKind::Values, 4));
      },
      "group_size 4 does not divide the 2 values of each channel of 'm'");
  expectError(
      [&] {
        packWeight(store,
                   recipe("m", PackedDType::BF16, PackedLayout::Row, PackedKind::Int8Scales));
      },
      "int8 scales are stored as f32, not bf16");
  expectError(
      [&] {
        packWeight(store, recipe("m", PackedDType::F32, PackedLayout::NK, PackedKind::Int8Scales));
      },
      "layout row");
  expectError(
      [&] {
        packWeight(store, recipe("m", PackedDType::F32, PackedLayout::KN, PackedKind::Values, 2));
      },
      "group_size and int8_axis apply to int8 slots only");
  expectError(
      [&] {
        packWeight(store,
                   recipe("m", PackedDType::Int8, PackedLayout::KN, PackedKind::Values, 0, 2));
      },
      "int8_axis must be 0 or 1, got 2");
  expectError([&] { packWeight(store, recipe("nothing", PackedDType::F32, PackedLayout::Row)); },
              "table has no tensor 'nothing'");
  std::vector<std::byte> small(5);
  expectError(
      [&] { packWeightInto(store, recipe("m", PackedDType::F32, PackedLayout::Row), small); },
      "the slot holds 5 bytes, the packed tensor needs 24");
}

// The 16-bit kernels widen weights assuming they are finite: packing refuses a value
// that is not, whether the checkpoint holds it or the conversion makes it.
TEST_F(WeightPacking, RefusesValuesThatAreNotFinite) {
  store.add("large", {1, 3}, {1.0f, 70000.0f, 65504.0f});
  store.add("infinite", {1, 2}, {0.5f, std::numeric_limits<float>::infinity()});
  store.add("nan", {2}, {std::numeric_limits<float>::quiet_NaN(), 1.0f});
  expectError([&] { packWeight(store, recipe("large", PackedDType::F16, PackedLayout::KN)); },
              "weight packing of 'large': element 1 (70000) is not finite as f16");
  EXPECT_NO_THROW(packWeight(store, recipe("large", PackedDType::BF16, PackedLayout::KN)));
  // The index is the checkpoint's, also through the nk transposition.
  expectError([&] { packWeight(store, recipe("infinite", PackedDType::BF16, PackedLayout::NK)); },
              "element 1 (inf) is not finite as bf16");
  expectError([&] { packWeight(store, recipe("nan", PackedDType::F32, PackedLayout::Row)); },
              "element 0 (nan) is not finite as f32");
}

TEST(WeightPackingNames, RoundTrip) {
  for (PackedDType dtype :
       {PackedDType::F32, PackedDType::BF16, PackedDType::F16, PackedDType::Int8})
    EXPECT_EQ(parsePackedDType(packedDTypeName(dtype)), dtype);
  for (PackedLayout layout :
       {PackedLayout::Row, PackedLayout::KN, PackedLayout::NK, PackedLayout::KPairs})
    EXPECT_EQ(parsePackedLayout(packedLayoutName(layout)), layout);
  for (PackedKind kind : {PackedKind::Values, PackedKind::Int8Scales})
    EXPECT_EQ(parsePackedKind(packedKindName(kind)), kind);
  EXPECT_FALSE(parsePackedDType("fp8"));
  EXPECT_FALSE(parsePackedLayout("KN"));
}

} // namespace
} // namespace gpt2c
