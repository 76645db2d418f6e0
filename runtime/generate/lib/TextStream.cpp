#include "gpt2c/runtime/TextStream.h"

#include "gpt2c/support/Error.h"

#include <algorithm>

namespace gpt2c {
namespace {

bool isContinuationByte(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// The length a sequence starting with `lead` announces; 1 for bytes that cannot
// start a multi-byte sequence (ASCII and invalid bytes).
std::size_t announcedLength(unsigned char lead) {
  if ((lead & 0xE0) == 0xC0)
    return 2;
  if ((lead & 0xF0) == 0xE0)
    return 3;
  if ((lead & 0xF8) == 0xF0)
    return 4;
  return 1;
}

} // namespace

std::size_t completeUtf8Length(std::string_view bytes) {
  // Only the last sequence can be unfinished, and it starts at most 3 bytes back.
  const std::size_t size = bytes.size();
  for (std::size_t back = 1; back <= std::min<std::size_t>(3, size); ++back) {
    const auto byte = static_cast<unsigned char>(bytes[size - back]);
    if (isContinuationByte(byte))
      continue;
    return announcedLength(byte) > back ? size - back : size;
  }
  return size;
}

TextStream::TextStream(std::vector<std::string> stopStrings, Callback onText)
    : stopStrings_(std::move(stopStrings)), onText_(std::move(onText)) {
  for (std::size_t index = 0; index < stopStrings_.size(); ++index)
    if (stopStrings_[index].empty())
      fail("stop string {} is empty (it would stop before any text)", index);
}

void TextStream::emit(std::string_view piece) {
  if (piece.empty())
    return;
  emitted_.append(piece);
  if (onText_)
    onText_(piece);
}

std::size_t TextStream::stopPrefixLength() const {
  std::size_t longest = 0;
  const std::string_view pending = pending_;
  for (const std::string &stop : stopStrings_) {
    // Proper prefixes only: a whole stop string would have been found already.
    for (std::size_t length = std::min(stop.size() - 1, pending.size()); length > longest;
         --length)
      if (pending.ends_with(std::string_view(stop).substr(0, length))) {
        longest = length;
        break;
      }
  }
  return longest;
}

bool TextStream::append(std::string_view bytes) {
  if (finished_)
    return stopIndex_.has_value();
  pending_.append(bytes);

  // Earlier text never completed a stop string, so an occurrence lies in pending_.
  std::size_t firstMatch = std::string::npos;
  for (std::size_t index = 0; index < stopStrings_.size(); ++index) {
    std::size_t position = pending_.find(stopStrings_[index]);
    if (position < firstMatch) {
      firstMatch = position;
      stopIndex_ = index;
    }
  }
  if (firstMatch != std::string::npos) {
    emit(std::string_view(pending_).substr(0, firstMatch));
    pending_.clear();
    finished_ = true;
    return true;
  }

  std::string_view ready = std::string_view(pending_).substr(0, pending_.size() - stopPrefixLength());
  ready = ready.substr(0, completeUtf8Length(ready));
  emit(ready);
  pending_.erase(0, ready.size());
  return false;
}

void TextStream::finish() {
  if (finished_)
    return;
  emit(pending_);
  pending_.clear();
  finished_ = true;
}

} // namespace gpt2c
