#pragma once
// Small text helpers shared by the text readers and writers: strict UTF-8 checks, number parsing
// that never depends on the C locale, and shortest round-trip float formatting.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace embedscope::io {

// The byte offset of the first invalid UTF-8 sequence (overlongs, surrogates and code points past
// U+10FFFF are invalid), or nullopt when `s` is valid.
std::optional<std::size_t> findInvalidUtf8(std::string_view s);
// Decodes valid UTF-8 into code points (call findInvalidUtf8 first).
std::vector<char32_t> decodeUtf8(std::string_view s);
void appendUtf8(std::string& out, char32_t cp);

// Parses the whole of `s` as a float ("1e-3", "-0.5", "nan", "inf" are accepted; a leading '+'
// too). False when `s` is empty, has trailing characters or is out of float range.
bool parseFloat(std::string_view s, float& out);
// Parses the whole of `s` as a non-negative decimal integer.
bool parseCount(std::string_view s, std::int64_t& out);
// The shortest text that reads back as exactly `v` ("0.1", "1e-07", "nan", "inf", "-inf").
std::string formatFloat(float v);
void appendFloat(std::string& out, float v);

// Splits on runs of ASCII spaces/tabs (word2vec's rule), dropping a trailing '\r'.
void splitWhitespace(std::string_view line, std::vector<std::string_view>& fields);

// Length of a UTF-8 byte-order mark at the start of `s` (3 or 0). Editors on Windows write one;
// text readers skip it rather than reading it into the first token or number.
inline std::size_t utf8BomLength(std::string_view s) { return s.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0; }

// Printable form of a token for messages: quoted, with control and invalid bytes escaped.
std::string quotedText(std::string_view s);

}  // namespace embedscope::io
