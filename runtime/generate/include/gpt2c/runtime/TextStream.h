#pragma once
// The text side of generation: token bytes go in, text comes out through a
// callback as soon as it is certain to be final.
//
// Text is held back while it
//  - ends inside an unfinished UTF-8 sequence (a token may carry only part of a
//    character; the rest comes with the next token), or
//  - ends with the beginning of a stop string (the next token may complete it).
// As soon as the text contains a stop string, everything before its first
// occurrence is emitted and the rest is dropped. Bytes that are not valid UTF-8
// pass through unchanged; finish() emits whatever is still held back.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpt2c {

// The length of the longest prefix of `bytes` that does not end inside a UTF-8
// sequence whose remaining continuation bytes could still arrive.
std::size_t completeUtf8Length(std::string_view bytes);

class TextStream {
public:
  using Callback = std::function<void(std::string_view)>;

  // Stop strings must not be empty. `onText` may be empty; it is called with
  // non-empty pieces only.
  TextStream(std::vector<std::string> stopStrings, Callback onText);

  // Adds the bytes of one token. Returns true when the text now contains a stop
  // string; the stream is then finished and ignores further input.
  bool append(std::string_view bytes);
  // The end of the text: emits everything held back.
  void finish();

  // Everything emitted so far (the concatenation of the callback's pieces).
  const std::string &text() const { return emitted_; }
  // The index in the stop strings of the one that ended the text, if any.
  std::optional<std::size_t> stopIndex() const { return stopIndex_; }

private:
  void emit(std::string_view piece);
  // How many bytes at the end of pending_ could begin a stop string.
  std::size_t stopPrefixLength() const;

  std::vector<std::string> stopStrings_;
  Callback onText_;
  std::string pending_; // received, not yet emitted
  std::string emitted_;
  std::optional<std::size_t> stopIndex_;
  bool finished_ = false;
};

} // namespace gpt2c
