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

// Reduced precision (bf16 weights): for every prompt of a synthetic golden file,
// wherever the golden top-1 logit leads the second by more than `margin`, the
// backend's top token at that position is the golden one (all positions at once,
// then the greedy steps teacher-forced through one-token decode steps).
void expectTopOneAgreement(Backend &backend, const std::string &goldenFile, double margin);

// The greedy continuations of golden-mini-pydocs.json, token for token.
void expectMatchesMiniGreedy(Backend &backend);

} // namespace gpt2c::test
