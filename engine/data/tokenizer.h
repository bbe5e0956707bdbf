#pragma once
// The one tokenizer behind every text task (classify's TSV, skip-gram's corpora, the presets):
// decode UTF-8, lowercase, and split on anything that is not a letter or a digit.
//
// Rules (the tests in tests/engine/skipgram/test_tokenizer.cpp spell them out row by row):
// - Input must be valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF, no
//   truncated sequence); otherwise a DataError naming the byte offset of the bad sequence.
// - A token is a maximal run of word code points: letters and digits of Latin, Greek, Cyrillic,
//   Armenian, Hebrew, Arabic, the Indic scripts, Thai, Georgian, Hangul, Kana and CJK ideographs,
//   plus combining marks (so a decomposed "e" + U+0301 stays inside its word). Everything else
//   (spaces, punctuation, symbols, emoji, apostrophes, underscores, U+FEFF) separates tokens.
// - Tokens are lowercased by simple one-to-one case mapping (A→a, É→é, Σ→σ, Ж→ж, İ→i, ẞ→ß);
//   no normalisation beyond that (NFC/NFD forms of one word stay distinct tokens).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::data {

// Code-point classification used by the tokenizer; exposed so tests and other parsers agree.
bool isWordCodePoint(char32_t cp);
char32_t toLowerCodePoint(char32_t cp);

// Decodes one UTF-8 sequence starting at text[pos]; on success stores the code point and its
// length. Returns false for an invalid sequence (the caller reports the offset).
bool decodeUtf8(std::string_view text, std::size_t pos, char32_t& cp, int& length);

// Appends the UTF-8 encoding of cp to out.
void appendUtf8(std::string& out, char32_t cp);

class Tokenizer {
 public:
  // Calls onToken(std::string_view token) for each token of text in order; the view is valid only
  // during the call. byteOffsetBase is added to offsets in error messages, so a caller feeding a
  // file line by line reports positions in the file. Stops at the first invalid byte.
  template <class OnToken>
  static Status forEachToken(std::string_view text, OnToken&& onToken, std::uint64_t byteOffsetBase = 0);

  // All tokens of text, in order.
  static Result<std::vector<std::string>> tokenize(std::string_view text, std::uint64_t byteOffsetBase = 0);

  // The DataError for an invalid sequence at text[pos] (describes which rule it breaks).
  static Status invalidUtf8(std::string_view text, std::size_t pos, std::uint64_t byteOffsetBase);
};

template <class OnToken>
Status Tokenizer::forEachToken(std::string_view text, OnToken&& onToken, std::uint64_t byteOffsetBase) {
  std::string token;
  token.reserve(32);
  const std::size_t n = text.size();
  std::size_t pos = 0;
  while (pos < n) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {  // ASCII fast path: the common case for most corpora
      if ((byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9')) {
        token.push_back(static_cast<char>(byte));
      } else if (byte >= 'A' && byte <= 'Z') {
        token.push_back(static_cast<char>(byte + 32));
      } else if (!token.empty()) {
        onToken(std::string_view(token));
        token.clear();
      }
      ++pos;
      continue;
    }
    char32_t cp = 0;
    int length = 0;
    if (!decodeUtf8(text, pos, cp, length)) return invalidUtf8(text, pos, byteOffsetBase);
    if (isWordCodePoint(cp)) {
      appendUtf8(token, toLowerCodePoint(cp));
    } else if (!token.empty()) {
      onToken(std::string_view(token));
      token.clear();
    }
    pos += static_cast<std::size_t>(length);
  }
  if (!token.empty()) onToken(std::string_view(token));
  return Status::ok();
}

}  // namespace embedscope::data
