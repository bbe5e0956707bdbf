#pragma once
// Status and Result<T>: how every engine function reports failure. No exception crosses the
// engine's public API; a broken invariant is an assertion instead (see ARCHITECTURE.md, Errors).

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace embedscope {

enum class StatusCode {
  Ok,
  InvalidArgument,  // a configuration or usage Keras would reject (CLI exit 2)
  OutOfRange,       // data outside its domain: an id >= input_dim, a bad row (exit 1)
  DataError,        // a malformed, truncated or inconsistent file or input (exit 1)
  IoError,          // the file system said no (exit 1)
  Unavailable,      // no usable device, allocation failure, device lost (exit 1)
  Cancelled,        // the user asked to stop; a normal outcome, not an error (exit 130)
  Internal,         // a failure we did not foresee; still reported, never a crash (exit 1)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : m_code(code), m_message(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalidArgument(std::string m) { return {StatusCode::InvalidArgument, std::move(m)}; }
  static Status outOfRange(std::string m) { return {StatusCode::OutOfRange, std::move(m)}; }
  static Status dataError(std::string m) { return {StatusCode::DataError, std::move(m)}; }
  static Status ioError(std::string m) { return {StatusCode::IoError, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::Unavailable, std::move(m)}; }
  static Status cancelled(std::string m = "cancelled") { return {StatusCode::Cancelled, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::Internal, std::move(m)}; }

  bool isOk() const { return m_code == StatusCode::Ok; }
  explicit operator bool() const { return isOk(); }
  StatusCode code() const { return m_code; }
  const std::string& message() const { return m_message; }

  // Prefixes context ("reading W.npy: ") while keeping the code.
  Status withContext(const std::string& context) const {
    if (isOk()) return *this;
    return {m_code, context + ": " + m_message};
  }

 private:
  StatusCode m_code = StatusCode::Ok;
  std::string m_message;
};

// The process exit code the CLI uses for a status (0, 1, 2 or 130).
inline int exitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::Ok: return 0;
    case StatusCode::InvalidArgument: return 2;
    case StatusCode::Cancelled: return 130;
    default: return 1;
  }
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_value(std::move(value)) {}  // NOLINT: implicit by design, like expected<T>
  Result(Status status) : m_status(std::move(status)) {  // NOLINT
    assert(!m_status.isOk() && "a Result built from a Status must carry an error");
  }

  bool isOk() const { return m_value.has_value(); }
  explicit operator bool() const { return isOk(); }
  const Status& status() const { return m_status; }

  T& value() & { assert(isOk()); return *m_value; }
  const T& value() const& { assert(isOk()); return *m_value; }
  T&& value() && { assert(isOk()); return std::move(*m_value); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> m_value;
  Status m_status;
};

}  // namespace embedscope

// Early return on failure: EMBEDSCOPE_TRY(status_expr); inside a function returning Status or Result.
#define EMBEDSCOPE_TRY(expr)                        \
  do {                                              \
    ::embedscope::Status _es_status = (expr);       \
    if (!_es_status.isOk()) return _es_status;      \
  } while (0)
