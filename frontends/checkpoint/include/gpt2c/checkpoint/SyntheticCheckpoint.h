#pragma once
// Synthetic weights written as a real Hugging Face checkpoint directory
// (model.safetensors, config.json, optionally the tokenizer files): what
// `gpt2c synth` and `gpt2c-run synth` write.
#include <cstdint>
#include <string>

namespace gpt2c {

struct SyntheticCheckpointSpec {
  std::string config;        // tiny, gpt2, gpt2-medium, gpt2-large or gpt2-xl
  std::uint64_t seed = 1;
  std::string dtype = "F32"; // storage: F32, F16 or BF16 (any case)
  std::string tokenizerDir;  // vocab.json and merges.txt to copy; empty: none
  std::string output;        // the directory, created when missing
};

// Writes the checkpoint and returns one line for the user: "wrote
// synthetic:tiny:7 (3324736 parameters, BF16) to DIR". Throws gpt2c::Error naming
// the option at fault ("--config: unknown configuration 'x' (known: ...)").
std::string writeSyntheticCheckpoint(const SyntheticCheckpointSpec &spec);

} // namespace gpt2c
