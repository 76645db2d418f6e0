#pragma once
// Checks of any Backend against the transformers references of ../shared/golden.
#include "gpt2c/runtime/Backend.h"

#include <string>

namespace gpt2c::test {

// For every prompt of a synthetic golden file (golden-tiny-s1.json, golden-gpt2-s1.json):
// the top-10 logits at every position and the full last-position row (the
// *-lastlogits.f32 file) within `tolerance`, and the 24 greedy tokens wherever the
// recorded margin exceeds 1e-3 (teacher-forced with the golden tokens, through
// one-token decode steps).
void expectMatchesSyntheticGolden(Backend &backend, const std::string &goldenFile,
                                  const std::string &lastLogitsFile, double tolerance);

// The greedy continuations of golden-mini-pydocs.json, token for token.
void expectMatchesMiniGreedy(Backend &backend);

} // namespace gpt2c::test
