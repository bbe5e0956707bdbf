#include "engine/io/text_util.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace embedscope::io {

std::optional<std::size_t> findInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += len;
  }
  return std::nullopt;
}

std::vector<char32_t> decodeUtf8(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = p[i];
    std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (p[i + k] & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

void appendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool parseFloat(std::string_view s, float& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  if (ptr != end) return false;
  if (ec == std::errc::result_out_of_range) {
    // Underflow to a subnormal/zero is harmless; overflow is a value float cannot hold.
    double d = 0;
    auto [p2, ec2] = std::from_chars(s.data(), end, d);
    if (ec2 != std::errc() || p2 != end) return false;
    if (std::fabs(d) > 3.4028234663852886e38) return false;
    out = static_cast<float>(d);
    return true;
  }
  return ec == std::errc();
}

bool parseCount(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end && out >= 0;
}

void appendFloat(std::string& out, float v) {
  if (std::isnan(v)) {
    out += "nan";
    return;
  }
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, ptr);
}

std::string formatFloat(float v) {
  std::string s;
  appendFloat(s, v);
  return s;
}

void splitWhitespace(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (i < n) {
    while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= n) break;
    std::size_t j = i;
    while (j < n && line[j] != ' ' && line[j] != '\t') ++j;
    fields.push_back(line.substr(i, j - i));
    i = j;
  }
}

std::string quotedText(std::string_view s) {
  std::string out = "'";
  const std::size_t limit = 60;
  const std::string_view shown = s.substr(0, limit);
  const bool valid = !findInvalidUtf8(shown).has_value();
  for (const char ch : shown) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && !valid)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  if (s.size() > limit) out += "...";
  return out + "'";
}

std::string parseRowValues(const std::vector<std::string_view>& fields, std::size_t first, std::int64_t dim,
                           bool allowNonFinite, float* out) {
  for (std::int64_t c = 0; c < dim; ++c) {
    std::string_view f = fields[first + static_cast<std::size_t>(c)];
    while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
    while (!f.empty() && f.back() == ' ') f.remove_suffix(1);
    if (!parseFloat(f, out[c])) return "value " + std::to_string(c + 1) + " " + quotedText(f) + " is not a number";
    if (!allowNonFinite && !std::isfinite(out[c]))
      return "value " + std::to_string(c + 1) + " is " + std::string(f) + " (NaN/Inf is not allowed)";
  }
  return {};
}

void appendFloatRow(std::string& out, const float* row, std::int64_t dim, char separator, bool leadingSeparator) {
  for (std::int64_t c = 0; c < dim; ++c) {
    if (c || leadingSeparator) out += separator;
    appendFloat(out, row[c]);
  }
}

void flush(std::ostream& out, std::string& buffer) {
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  buffer.clear();
}

void flushIfLarge(std::ostream& out, std::string& buffer) {
  if (buffer.size() > (1u << 20)) flush(out, buffer);
}

}  // namespace embedscope::io
