#include "gpt2c/tokenizer/Tokenizer.h"

#include "gpt2c/support/Error.h"
#include "gpt2c/tokenizer/PreTokenizer.h"

#include "BytePairMerger.h"
#include "Vocabulary.h"
#include "WordCache.h"

#include <mutex>

namespace gpt2c {

struct Tokenizer::State {
  explicit State(bpe::Vocabulary loaded) : vocabulary(std::move(loaded)) {}

  bpe::Vocabulary vocabulary;
  bpe::BytePairMerger merger{vocabulary.merges(), vocabulary.byteTokens()};
  // One caller at a time uses the cache; concurrent callers encode without it.
  std::mutex cacheMutex;
  bpe::WordCache cache;
};

namespace {

void encodePiece(std::string_view piece, const bpe::BytePairMerger &merger,
                 const std::array<std::int32_t, 256> &byteTokens, bpe::WordCache *cache,
                 std::vector<std::int32_t> &ids) {
  if (piece.size() == 1) {
    ids.push_back(byteTokens[static_cast<unsigned char>(piece[0])]);
    return;
  }
  if (!cache || piece.size() > bpe::WordCache::kMaxPieceBytes) {
    merger.encode(piece, ids);
    return;
  }
  const std::uint64_t hash = bpe::WordCache::hash(piece);
  if (const auto *cached = cache->find(piece, hash)) {
    ids.insert(ids.end(), cached->begin(), cached->end());
    return;
  }
  const std::size_t first = ids.size();
  merger.encode(piece, ids);
  cache->store(piece, hash, std::span(ids).subspan(first));
}

// Text without special tokens: split into pieces, merge each.
void encodeOrdinary(std::string_view text, const bpe::BytePairMerger &merger,
                    const std::array<std::int32_t, 256> &byteTokens, bpe::WordCache *cache,
                    std::vector<std::int32_t> &ids) {
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t end = bpe::nextPieceEnd(text, begin);
    encodePiece(text.substr(begin, end - begin), merger, byteTokens, cache, ids);
    begin = end;
  }
}

// The first special token in `text` from `from` on (the longest one if several
// start there), or nullptr.
const bpe::SpecialToken *findSpecial(std::string_view text, std::size_t from,
                                     const std::vector<bpe::SpecialToken> &specials,
                                     std::size_t &position) {
  const bpe::SpecialToken *best = nullptr;
  position = std::string_view::npos;
  for (const bpe::SpecialToken &special : specials) {
    const std::size_t found = text.find(special.text, from);
    if (found == std::string_view::npos)
      continue;
    if (found < position || (found == position && special.text.size() > best->text.size())) {
      best = &special;
      position = found;
    }
  }
  return best;
}

} // namespace

Tokenizer::Tokenizer(std::unique_ptr<State> state) : state_(std::move(state)) {}
Tokenizer::Tokenizer(Tokenizer &&other) noexcept = default;
Tokenizer &Tokenizer::operator=(Tokenizer &&other) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::fromDirectory(const std::filesystem::path &directory) {
  if (!std::filesystem::is_directory(directory))
    fail("{}: not a directory (expected one with vocab.json and merges.txt)", directory.string());
  return fromFiles(directory / "vocab.json", directory / "merges.txt");
}

Tokenizer Tokenizer::fromFiles(const std::filesystem::path &vocabJson,
                               const std::filesystem::path &mergesTxt) {
  return Tokenizer(std::make_unique<State>(bpe::Vocabulary::load(vocabJson, mergesTxt)));
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view text,
                                            const EncodeOptions &options) const {
  std::vector<std::int32_t> ids;
  // GPT-2 averages over four bytes a token; this rarely reallocates.
  ids.reserve(text.size() / 3 + 1);
  encodeInto(text, ids, options);
  return ids;
}

void Tokenizer::encodeInto(std::string_view text, std::vector<std::int32_t> &ids,
                           const EncodeOptions &options) const {
  std::unique_lock cacheLock(state_->cacheMutex, std::try_to_lock);
  bpe::WordCache *cache = cacheLock.owns_lock() ? &state_->cache : nullptr;
  const auto &byteTokens = state_->vocabulary.byteTokens();
  const auto &specials = state_->vocabulary.specialTokens();

  if (!options.allowSpecial || specials.empty()) {
    encodeOrdinary(text, state_->merger, byteTokens, cache, ids);
    return;
  }
  // Special tokens split the text; each stretch between them is pre-tokenized alone.
  std::size_t from = 0;
  std::size_t position = 0;
  while (const bpe::SpecialToken *special = findSpecial(text, from, specials, position)) {
    encodeOrdinary(text.substr(from, position - from), state_->merger, byteTokens, cache, ids);
    ids.push_back(special->id);
    from = position + special->text.size();
  }
  encodeOrdinary(text.substr(from), state_->merger, byteTokens, cache, ids);
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids) const {
  const bpe::Vocabulary &vocabulary = state_->vocabulary;
  std::size_t size = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocabulary.size())
      fail("decode: token id {} at position {} is out of range (vocabulary of {} tokens)", ids[i],
           i, vocabulary.size());
    size += vocabulary.tokenBytes(ids[i]).size();
  }
  std::string bytes;
  bytes.reserve(size);
  for (std::int32_t id : ids)
    bytes += vocabulary.tokenBytes(id);
  return bytes;
}

std::int32_t Tokenizer::vocabSize() const { return state_->vocabulary.size(); }

std::string_view Tokenizer::tokenBytes(std::int32_t id) const {
  if (id < 0 || id >= state_->vocabulary.size())
    fail("tokenBytes: token id {} is out of range (vocabulary of {} tokens)", id,
         state_->vocabulary.size());
  return state_->vocabulary.tokenBytes(id);
}

std::optional<std::int32_t> Tokenizer::specialTokenId(std::string_view text) const {
  for (const bpe::SpecialToken &special : state_->vocabulary.specialTokens())
    if (special.text == text)
      return special.id;
  return std::nullopt;
}

} // namespace gpt2c
