#pragma once
// A minimal JSON writer for the run manifest, --metrics files and bench records: objects, arrays,
// strings (escaped), numbers (shortest round-trip form; non-finite as null) and booleans.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace embedscope::session {

class JsonWriter {
 public:
  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double v);
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(bool v);
  JsonWriter& null();
  // Inserts already-formatted JSON as one value.
  JsonWriter& raw(std::string_view json);
  const std::string& str() const { return m_out; }

  static std::string quote(std::string_view s);
  static std::string number(double v);

 private:
  void separate();
  std::string m_out;
  std::vector<bool> m_first;  // per open container: no element written yet
  bool m_afterKey = false;
};

}  // namespace embedscope::session
