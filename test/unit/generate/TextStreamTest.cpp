// Streaming text: UTF-8 completeness and stop strings that arrive in pieces.
#include "gpt2c/runtime/TextStream.h"
#include "gpt2c/support/Error.h"

#include <gtest/gtest.h>

namespace gpt2c {
namespace {

// Collects the pieces a stream emits.
struct Pieces {
  std::vector<std::string> received;
  TextStream::Callback callback() {
    return [this](std::string_view piece) { received.emplace_back(piece); };
  }
};

TEST(TextStream, CompleteUtf8LengthStopsBeforeAnUnfinishedCharacter) {
  EXPECT_EQ(completeUtf8Length(""), 0u);
  EXPECT_EQ(completeUtf8Length("abc"), 3u);
  EXPECT_EQ(completeUtf8Length("a\xC3"), 1u);             // é needs 2 bytes, has 1
  EXPECT_EQ(completeUtf8Length("a\xC3\xA9"), 3u);         // é complete
  EXPECT_EQ(completeUtf8Length("\xE2\x82"), 0u);          // € needs 3, has 2
  EXPECT_EQ(completeUtf8Length("x\xE2\x82\xAC"), 4u);     // € complete
  EXPECT_EQ(completeUtf8Length("\xF0\x9F\x98"), 0u);      // 😀 needs 4, has 3
  EXPECT_EQ(completeUtf8Length("\xF0\x9F\x98\x80"), 4u);  // 😀 complete
  EXPECT_EQ(completeUtf8Length("a\x80\x80\x80\x80"), 5u); // stray continuations: invalid, not waiting
  EXPECT_EQ(completeUtf8Length("\xC3" "a"), 2u);          // the lead byte can no longer complete
  EXPECT_EQ(completeUtf8Length("a\xFF"), 2u);             // never a lead byte
}

TEST(TextStream, HoldsBackPartialCharactersUntilTheyComplete) {
  Pieces pieces;
  TextStream stream({}, pieces.callback());
  EXPECT_FALSE(stream.append("a\xE2"));
  EXPECT_FALSE(stream.append("\x82"));
  EXPECT_FALSE(stream.append("\xAC" "b"));
  EXPECT_EQ(pieces.received, (std::vector<std::string>{"a", "\xE2\x82\xAC" "b"}));
  EXPECT_FALSE(stream.append("\xF0\x9F"));
  stream.finish(); // the end flushes the unfinished bytes as they are
  EXPECT_EQ(pieces.received.back(), "\xF0\x9F");
  EXPECT_EQ(stream.text(), "a\xE2\x82\xAC" "b\xF0\x9F");
}

TEST(TextStream, StopStringSplitAcrossAppendsIsNeverEmitted) {
  Pieces pieces;
  TextStream stream({"<END>"}, pieces.callback());
  EXPECT_FALSE(stream.append("one <"));
  EXPECT_FALSE(stream.append("EN"));
  EXPECT_EQ(stream.text(), "one "); // "<EN" could still become "<END>"
  EXPECT_TRUE(stream.append("D> two"));
  EXPECT_EQ(stream.text(), "one ");
  EXPECT_EQ(stream.stopIndex(), 0u);
  EXPECT_TRUE(stream.append("more")); // ignored once stopped
  stream.finish();
  EXPECT_EQ(stream.text(), "one ");
  EXPECT_EQ(pieces.received, (std::vector<std::string>{"one "}));
}

TEST(TextStream, HeldTextIsReleasedWhenTheStopStringDoesNotMaterialise) {
  Pieces pieces;
  TextStream stream({"\nQ:"}, pieces.callback());
  EXPECT_FALSE(stream.append("x\n"));
  EXPECT_FALSE(stream.append("\nQ"));
  EXPECT_FALSE(stream.append("uestion"));
  EXPECT_EQ(pieces.received, (std::vector<std::string>{"x", "\n", "\nQuestion"}));
}

TEST(TextStream, TheEarliestOfSeveralStopStringsWins) {
  TextStream stream({"cd", "b"}, {});
  EXPECT_TRUE(stream.append("abcd"));
  EXPECT_EQ(stream.text(), "a");
  EXPECT_EQ(stream.stopIndex(), 1u);
}

TEST(TextStream, StopStringInsideOneAppend) {
  TextStream stream({"STOP"}, {});
  EXPECT_TRUE(stream.append("abcSTOPdef"));
  EXPECT_EQ(stream.text(), "abc");
}

TEST(TextStream, EmptyStopStringsAreRefused) {
  try {
    TextStream({"ok", ""}, {});
    ADD_FAILURE() << "an empty stop string was accepted";
  } catch (const Error &error) {
    EXPECT_STREQ(error.what(), "stop string 1 is empty (it would stop before any text)");
  }
}

} // namespace
} // namespace gpt2c
