#include "engine/io/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "engine/io/text_util.h"

namespace embedscope::io {

Json Json::boolean(bool b) {
  Json j;
  j.m_type = Type::Bool;
  j.m_bool = b;
  return j;
}
Json Json::number(double d) {
  Json j;
  j.m_type = Type::Number;
  j.m_number = d;
  return j;
}
Json Json::string(std::string s) {
  Json j;
  j.m_type = Type::String;
  j.m_string = std::move(s);
  return j;
}
Json Json::array() {
  Json j;
  j.m_type = Type::Array;
  return j;
}
Json Json::object() {
  Json j;
  j.m_type = Type::Object;
  return j;
}

bool Json::asInt(std::int64_t& out) const {
  if (m_type != Type::Number || !std::isfinite(m_number) || std::floor(m_number) != m_number ||
      std::fabs(m_number) > 9.007199254740992e15)
    return false;
  out = static_cast<std::int64_t>(m_number);
  return true;
}

const Json* Json::find(const std::string& key) const {
  if (m_type != Type::Object) return nullptr;
  for (const auto& [k, v] : m_members)
    if (k == key) return &v;
  return nullptr;
}

std::string Json::stringAt(const std::string& key) const {
  const Json* j = find(key);
  return j && j->isString() ? j->asString() : std::string();
}

Json& Json::set(const std::string& key, Json value) {
  if (m_type != Type::Object) *this = object();
  for (auto& [k, v] : m_members)
    if (k == key) {
      v = std::move(value);
      return v;
    }
  m_members.emplace_back(key, std::move(value));
  return m_members.back().second;
}

Json& Json::push(Json value) {
  if (m_type != Type::Array) *this = array();
  m_items.push_back(std::move(value));
  return m_items.back();
}

void appendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void Json::dumpTo(std::string& out, int indent, int level) const {
  auto newline = [&](int lv) {
    if (indent <= 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * lv), ' ');
  };
  switch (m_type) {
    case Type::Null: out += "null"; break;
    case Type::Bool: out += m_bool ? "true" : "false"; break;
    case Type::Number: {
      std::int64_t i = 0;
      if (!std::isfinite(m_number)) {
        out += "null";  // JSON has no NaN/Inf
      } else if (asInt(i)) {
        out += std::to_string(i);
      } else {
        char buf[40];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, m_number);
        (void)ec;
        out.append(buf, p);
      }
      break;
    }
    case Type::String: appendJsonString(out, m_string); break;
    case Type::Array:
      out += '[';
      for (std::size_t k = 0; k < m_items.size(); ++k) {
        if (k) out += indent > 0 ? "," : ", ";
        newline(level + 1);
        m_items[k].dumpTo(out, indent, level + 1);
      }
      if (!m_items.empty()) newline(level);
      out += ']';
      break;
    case Type::Object:
      out += '{';
      for (std::size_t k = 0; k < m_members.size(); ++k) {
        if (k) out += indent > 0 ? "," : ", ";
        newline(level + 1);
        appendJsonString(out, m_members[k].first);
        out += ": ";
        m_members[k].second.dumpTo(out, indent, level + 1);
      }
      if (!m_members.empty()) newline(level);
      out += '}';
      break;
  }
}

std::string Json::dump(int indent) const {
  std::string out;
  dumpTo(out, indent, 0);
  return out;
}

class JsonParser {
 public:
  JsonParser(std::string_view s, const std::string& where) : m_s(s), m_where(where) {}

  Status document(Json& out) {
    skip();
    EMBEDSCOPE_TRY(value(out, 0));
    skip();
    if (m_i != m_s.size()) return err("unexpected text after the JSON value");
    return Status::ok();
  }

 private:
  Status err(const std::string& what) const {
    return Status::dataError(m_where + ": offset " + std::to_string(m_i) + ": " + what);
  }
  void skip() {
    while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\n' || m_s[m_i] == '\r' || m_s[m_i] == '\t')) ++m_i;
  }
  bool literal(std::string_view word) {
    if (m_s.substr(m_i, word.size()) != word) return false;
    m_i += word.size();
    return true;
  }
  Status value(Json& out, int depth) {
    if (depth > 200) return err("nesting deeper than 200 levels");
    if (m_i >= m_s.size()) return err("unexpected end of JSON");
    const char c = m_s[m_i];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.m_type = Json::Type::String;
      return string(out.m_string);
    }
    if (literal("true")) {
      out = Json::boolean(true);
      return Status::ok();
    }
    if (literal("false")) {
      out = Json::boolean(false);
      return Status::ok();
    }
    if (literal("null")) {
      out = Json();
      return Status::ok();
    }
    // Python's json.dumps writes NaN/Infinity for non-finite floats; Keras configs can carry them.
    if (literal("NaN")) {
      out = Json::number(std::nan(""));
      return Status::ok();
    }
    if (literal("Infinity")) {
      out = Json::number(INFINITY);
      return Status::ok();
    }
    if (literal("-Infinity")) {
      out = Json::number(-INFINITY);
      return Status::ok();
    }
    return number(out);
  }
  Status number(Json& out) {
    const std::size_t start = m_i;
    if (m_i < m_s.size() && m_s[m_i] == '-') ++m_i;
    if (m_i >= m_s.size() || !(m_s[m_i] >= '0' && m_s[m_i] <= '9')) {
      m_i = start;
      return err("expected a JSON value");
    }
    while (m_i < m_s.size() && ((m_s[m_i] >= '0' && m_s[m_i] <= '9') || m_s[m_i] == '.' || m_s[m_i] == 'e' ||
                                m_s[m_i] == 'E' || m_s[m_i] == '+' || m_s[m_i] == '-'))
      ++m_i;
    double d = 0;
    auto [p, ec] = std::from_chars(m_s.data() + start, m_s.data() + m_i, d);
    if (p != m_s.data() + m_i || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      m_i = start;
      return err("malformed number");
    }
    out = Json::number(d);
    return Status::ok();
  }
  Status hex4(std::uint32_t& cp) {
    if (m_i + 4 > m_s.size()) return err("truncated \\u escape");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = m_s[m_i++];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= static_cast<std::uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= static_cast<std::uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= static_cast<std::uint32_t>(h - 'A' + 10);
      else return err("bad hex digit in a \\u escape");
    }
    return Status::ok();
  }
  Status string(std::string& out) {
    ++m_i;  // opening quote
    out.clear();
    const std::size_t start = m_i;
    for (;;) {
      if (m_i >= m_s.size()) return err("unterminated string");
      const char c = m_s[m_i];
      if (c == '"') {
        ++m_i;
        break;
      }
      if (static_cast<unsigned char>(c) < 0x20) return err("control character inside a string");
      if (c != '\\') {
        out += c;
        ++m_i;
        continue;
      }
      ++m_i;
      if (m_i >= m_s.size()) return err("truncated escape");
      const char e = m_s[m_i++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          EMBEDSCOPE_TRY(hex4(cp));
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t lo = 0;
            if (!literal("\\u")) return err("unpaired surrogate");
            EMBEDSCOPE_TRY(hex4(lo));
            if (lo < 0xDC00 || lo > 0xDFFF) return err("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return err("unpaired surrogate");
          }
          appendUtf8(out, static_cast<char32_t>(cp));
          break;
        }
        default: return err("unknown escape");
      }
    }
    if (auto badAt = findInvalidUtf8(std::string_view(m_s.data() + start, m_i - start)))
      return Status::dataError(m_where + ": offset " + std::to_string(start + *badAt) + ": invalid UTF-8 in a string");
    return Status::ok();
  }
  Status array(Json& out, int depth) {
    ++m_i;
    out = Json::array();
    skip();
    if (m_i < m_s.size() && m_s[m_i] == ']') {
      ++m_i;
      return Status::ok();
    }
    for (;;) {
      skip();
      Json item;
      EMBEDSCOPE_TRY(value(item, depth + 1));
      out.m_items.push_back(std::move(item));
      skip();
      if (m_i < m_s.size() && m_s[m_i] == ',') {
        ++m_i;
        continue;
      }
      if (m_i < m_s.size() && m_s[m_i] == ']') {
        ++m_i;
        return Status::ok();
      }
      return err("expected ',' or ']'");
    }
  }
  Status object(Json& out, int depth) {
    ++m_i;
    out = Json::object();
    skip();
    if (m_i < m_s.size() && m_s[m_i] == '}') {
      ++m_i;
      return Status::ok();
    }
    for (;;) {
      skip();
      if (m_i >= m_s.size() || m_s[m_i] != '"') return err("expected a string key");
      std::string key;
      EMBEDSCOPE_TRY(string(key));
      skip();
      if (m_i >= m_s.size() || m_s[m_i] != ':') return err("expected ':'");
      ++m_i;
      skip();
      Json v;
      EMBEDSCOPE_TRY(value(v, depth + 1));
      out.m_members.emplace_back(std::move(key), std::move(v));
      skip();
      if (m_i < m_s.size() && m_s[m_i] == ',') {
        ++m_i;
        continue;
      }
      if (m_i < m_s.size() && m_s[m_i] == '}') {
        ++m_i;
        return Status::ok();
      }
      return err("expected ',' or '}'");
    }
  }

  std::string_view m_s;
  std::size_t m_i = 0;
  const std::string& m_where;
};

Result<Json> Json::parse(std::string_view text, const std::string& where) {
  Json out;
  JsonParser p(text, where);
  EMBEDSCOPE_TRY(p.document(out));
  return out;
}

}  // namespace embedscope::io
