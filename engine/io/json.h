#pragma once
// A small JSON value with a strict parser (depth- and size-limited, errors with a byte offset) and
// a compact writer. Enough for Keras's config.json / metadata.json, `inspect --json` and session
// sections; keeps object keys in file order, as Keras's layer lists depend on order.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::io {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Json() = default;
  static Json null() { return {}; }
  static Json boolean(bool b);
  static Json number(double d);
  static Json string(std::string s);
  static Json array();
  static Json object();

  // Parses one JSON document; DataError "WHERE: offset N: problem" on malformed input.
  static Result<Json> parse(std::string_view text, const std::string& where);
  // Compact text (`indent` > 0 pretty-prints).
  std::string dump(int indent = 0) const;

  Type type() const { return m_type; }
  bool isNull() const { return m_type == Type::Null; }
  bool isBool() const { return m_type == Type::Bool; }
  bool isNumber() const { return m_type == Type::Number; }
  bool isString() const { return m_type == Type::String; }
  bool isArray() const { return m_type == Type::Array; }
  bool isObject() const { return m_type == Type::Object; }

  bool asBool() const { return m_bool; }
  double asNumber() const { return m_number; }
  // True (and the value) when the number is an integer that fits int64.
  bool asInt(std::int64_t& out) const;
  const std::string& asString() const { return m_string; }
  const std::vector<Json>& items() const { return m_items; }
  const std::vector<std::pair<std::string, Json>>& members() const { return m_members; }

  // Object member lookup (nullptr when absent or not an object).
  const Json* find(const std::string& key) const;
  // find(key) as a string, or "" when absent / not a string.
  std::string stringAt(const std::string& key) const;

  Json& set(const std::string& key, Json value);  // appends or replaces
  Json& push(Json value);

 private:
  friend class JsonParser;
  void dumpTo(std::string& out, int indent, int level) const;
  Type m_type = Type::Null;
  bool m_bool = false;
  double m_number = 0;
  std::string m_string;
  std::vector<Json> m_items;
  std::vector<std::pair<std::string, Json>> m_members;
};

void appendJsonString(std::string& out, std::string_view s);

}  // namespace embedscope::io
