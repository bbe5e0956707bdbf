#pragma once
// Small text helpers shared by the text readers and writers: strict UTF-8 checks, number parsing
// that never depends on the C locale, and shortest round-trip float formatting.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
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

// One row of a text table (word2vec/GloVe/fastText, projector TSV, CSV): fields[first ..
// first+dim) parsed into out[0 .. dim), each trimmed of spaces. Returns "" on success, else the
// problem naming the value by its 1-based position ("value 2 'x' is not a number", "value 3 is nan
// (NaN/Inf is not allowed)"); the reader adds the file and line.
std::string parseRowValues(const std::vector<std::string_view>& fields, std::size_t first, std::int64_t dim,
                           bool allowNonFinite, float* out);
// Appends dim shortest round-trip floats, each preceded by `separator` (leadingSeparator: word2vec's
// "token v1 v2") or between them (CSV, TSV).
void appendFloatRow(std::string& out, const float* row, std::int64_t dim, char separator, bool leadingSeparator);
// The text writers build rows in a buffer and hand it over a megabyte at a time.
void flushIfLarge(std::ostream& out, std::string& buffer);
void flush(std::ostream& out, std::string& buffer);

// What `inspect` reports as the dtype of a text table: decimal text, parsed straight to float32
// (correctly rounded, never through double).
inline constexpr const char* kTextDtype = "float32 (parsed from text)";

// Splits on runs of ASCII spaces/tabs (word2vec's rule), dropping a trailing '\r'.
void splitWhitespace(std::string_view line, std::vector<std::string_view>& fields);

// Length of a UTF-8 byte-order mark at the start of `s` (3 or 0). Editors on Windows write one;
// text readers skip it rather than reading it into the first token or number.
inline std::size_t utf8BomLength(std::string_view s) { return s.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0; }

// Printable form of a token for messages: quoted, with control and invalid bytes escaped.
std::string quotedText(std::string_view s);

}  // namespace embedscope::io
