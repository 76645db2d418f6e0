#pragma once
// The weight slots the reference phase library (ReferencePhase.cpp) takes, for
// the tests that build artifacts around it.
//
// The library is compiled for one model (GPT2C_REF_* definitions, like a real
// phase library specialised by gpt2c compile): f32 weights, every tensor of the
// tied model in checkpoint order, 2-D linear weights in layout `kn` or `nk`.
#include "gpt2c/checkpoint/ModelConfig.h"
#include "gpt2c/checkpoint/WeightPacking.h"

#include "ReferenceScratch.h"

#include <cstdint>
#include <vector>

namespace gpt2c::test {

// The recipes of the reference library's slots, in its order: expectedTensors()
// of a tied model, everything f32, linear weights in `linearLayout`.
inline std::vector<PackingRecipe> referenceRecipes(const ModelConfig &config,
                                                   PackedLayout linearLayout) {
  std::vector<PackingRecipe> recipes;
  for (const TensorSpec &tensor : expectedTensors(config)) {
    PackingRecipe recipe;
    recipe.tensor = tensor.name;
    bool linear = tensor.shape.size() == 2 && tensor.name.starts_with("h.");
    recipe.layout = linear ? linearLayout : PackedLayout::Row;
    recipes.push_back(recipe);
  }
  return recipes;
}

} // namespace gpt2c::test
