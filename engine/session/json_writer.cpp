#include "engine/session/json_writer.h"

#include <charconv>
#include <cmath>

#include "engine/io/json.h"

namespace embedscope::session {

void JsonWriter::separate() {
  if (m_afterKey) {
    m_afterKey = false;
    return;
  }
  if (!m_first.empty()) {
    if (!m_first.back()) m_out += ", ";
    m_first.back() = false;
  }
}

JsonWriter& JsonWriter::beginObject() {
  separate();
  m_out += '{';
  m_first.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::endObject() {
  m_out += '}';
  m_first.pop_back();
  return *this;
}
JsonWriter& JsonWriter::beginArray() {
  separate();
  m_out += '[';
  m_first.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::endArray() {
  m_out += ']';
  m_first.pop_back();
  return *this;
}
JsonWriter& JsonWriter::key(std::string_view k) {
  separate();
  io::appendJsonString(m_out, k);
  m_out += ": ";
  m_afterKey = true;
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view s) {
  separate();
  io::appendJsonString(m_out, s);
  return *this;
}
JsonWriter& JsonWriter::value(double v) {
  separate();
  m_out += number(v);
  return *this;
}
JsonWriter& JsonWriter::value(std::int64_t v) {
  separate();
  m_out += std::to_string(v);
  return *this;
}
JsonWriter& JsonWriter::value(bool v) {
  separate();
  m_out += v ? "true" : "false";
  return *this;
}
JsonWriter& JsonWriter::null() {
  separate();
  m_out += "null";
  return *this;
}
JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  m_out += json;
  return *this;
}

std::string JsonWriter::quote(std::string_view s) {
  std::string o;
  io::appendJsonString(o, s);
  return o;
}

std::string JsonWriter::number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "null";
  return std::string(buf, p);
}

}  // namespace embedscope::session
