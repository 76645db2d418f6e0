// White-box: the two merge strategies (in-place for short pieces, priority queue
// for long ones) agree on every piece of the WikiText-2 test file, whose ids the
// golden tests check through the short path.
#include "TokenizerTestSupport.h"

#include "gpt2c/tokenizer/PreTokenizer.h"

#include "BytePairMerger.h"
#include "Vocabulary.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace gpt2c::test {
namespace {

TEST(TokenizerBytePairMerger, ShortAndLongStrategiesAgreeOnWikiText2) {
  const bpe::Vocabulary vocabulary = bpe::Vocabulary::load(
      gpt2TokenizerDir() / "vocab.json", gpt2TokenizerDir() / "merges.txt");
  const bpe::BytePairMerger merger(vocabulary.merges(), vocabulary.byteTokens());
  const std::string text = wikiText2Bytes();
  std::unordered_set<std::string_view> seen;
  std::vector<std::int32_t> viaShort, viaLong;
  for (std::string_view piece : bpe::splitIntoPieces(text)) {
    if (piece.size() > bpe::BytePairMerger::kShortPieceBytes || !seen.insert(piece).second)
      continue;
    viaShort.clear();
    viaLong.clear();
    merger.encodeShort(piece, viaShort);
    merger.encodeLong(piece, viaLong);
    ASSERT_EQ(viaShort, viaLong) << "piece \"" << piece << '"';
  }
  EXPECT_GT(seen.size(), 10000u);
}

} // namespace
} // namespace gpt2c::test
