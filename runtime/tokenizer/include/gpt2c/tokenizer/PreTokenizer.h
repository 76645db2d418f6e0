#pragma once
// GPT-2's pre-tokenization: the split of text into the pieces that BPE merges
// within, written out by hand from OpenAI's regex
//
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// with its leftmost-first, backtracking semantics. So, at each position in turn,
// the first of these rules that applies gives the piece:
//  - an apostrophe followed by lowercase s, t, m, d, re, ve or ll
//    (an apostrophe inside a run of Other characters stays there: "!'s" is "!'", "s");
//  - an optional U+0020 space then a maximal run of letters, of numbers, or of
//    Other characters (neither letter, number nor white space);
//  - white space: its maximal run when that ends the text or is one character
//    long; else the run less its last character, which starts the next piece
//    (where a U+0020 space joins the word after it).
// Classes are those of CharClass.h (\s is the White_Space property).
//
// Ill-formed UTF-8: every byte that does not begin a well-formed UTF-8 sequence
// (stray continuation bytes, truncated or overlong sequences, surrogates, values
// above U+10FFFF) is one character of class Other by itself, as U+FFFD would be,
// and keeps its byte. The next character starts at the following byte.
#include <cstddef>
#include <string_view>
#include <vector>

namespace gpt2c::bpe {

// The end of the piece that starts at `begin` (< text.size()).
std::size_t nextPieceEnd(std::string_view text, std::size_t begin);

// All pieces of `text` in order; they concatenate to `text`.
std::vector<std::string_view> splitIntoPieces(std::string_view text);

} // namespace gpt2c::bpe
