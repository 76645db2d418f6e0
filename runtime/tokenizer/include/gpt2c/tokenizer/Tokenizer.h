#pragma once
// GPT-2's byte-level BPE tokenizer, exact to OpenAI's encoder (and so to Hugging Face
// `tokenizers` and `tiktoken`): the pre-tokenization regex of PreTokenizer.h, then
// byte pair merges by lowest rank inside each piece.
//
// Any byte string can be encoded, valid UTF-8 or not, and decode(encode(s)) == s
// for every s: BPE works on bytes, and an ill-formed UTF-8 byte is pre-tokenized as
// one character of class Other (see PreTokenizer.h).
//
// encode() and decode() are const and safe to call from several threads at once.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c {

struct EncodeOptions {
  // Recognize special tokens (vocab entries spelled `<|...|>` that no merge
  // produces, such as <|endoftext|>) written in the text. When false they are
  // ordinary text, as GPT-2's own encoder treats them.
  bool allowSpecial = false;
};

class Tokenizer {
public:
  // Reads `directory`/vocab.json and `directory`/merges.txt (Hugging Face names;
  // OpenAI calls them encoder.json and vocab.bpe).
  static Tokenizer fromDirectory(const std::filesystem::path &directory);
  // Throws gpt2c::Error naming the file and the problem when a file is missing or
  // malformed, or when the two files do not fit together.
  static Tokenizer fromFiles(const std::filesystem::path &vocabJson,
                             const std::filesystem::path &mergesTxt);

  // A moved-from Tokenizer may only be assigned to or destroyed.
  Tokenizer(Tokenizer &&other) noexcept;
  Tokenizer &operator=(Tokenizer &&other) noexcept;
  ~Tokenizer();

  std::vector<std::int32_t> encode(std::string_view text, const EncodeOptions &options = {}) const;
  // Appends the ids of `text` to `ids`.
  void encodeInto(std::string_view text, std::vector<std::int32_t> &ids,
                  const EncodeOptions &options = {}) const;

  // The bytes of the tokens, concatenated. Throws gpt2c::Error for an id outside
  // [0, vocabSize()).
  std::string decode(std::span<const std::int32_t> ids) const;

  std::int32_t vocabSize() const;
  // The bytes one token stands for; throws gpt2c::Error when `id` is out of range.
  std::string_view tokenBytes(std::int32_t id) const;
  // The id of a special token such as "<|endoftext|>", if the vocabulary has it.
  std::optional<std::int32_t> specialTokenId(std::string_view text) const;

private:
  struct State;
  explicit Tokenizer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

} // namespace gpt2c
