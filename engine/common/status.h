#pragma once
// Status and Result<T>: how eddy functions report failure without exceptions.
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace eddy {

enum class StatusCode {
  kOk,
  kInvalid,       // a user error in a statement or a value
  kNotFound,      // a name that does not resolve
  kUnsupported,   // valid ksqlDB that eddy does not do yet
  kIoError,       // files, RocksDB, Kafka
  kInternal,      // a broken invariant
};

// A position in a source text; line and column count from 1. line 0 means unknown.
struct SourcePos {
  int line = 0;
  int column = 0;
  bool known() const { return line > 0; }
  bool operator==(const SourcePos&) const = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string msg, SourcePos pos = {}) {
    return Status(StatusCode::kInvalid, std::move(msg), pos);
  }
  static Status NotFound(std::string msg, SourcePos pos = {}) {
    return Status(StatusCode::kNotFound, std::move(msg), pos);
  }
  static Status Unsupported(std::string msg, SourcePos pos = {}) {
    return Status(StatusCode::kUnsupported, std::move(msg), pos);
  }
  static Status IoError(std::string msg) { return Status(StatusCode::kIoError, std::move(msg), {}); }
  static Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg), {}); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  SourcePos pos() const { return pos_; }
  // Returns a copy positioned at `pos` unless it already has a position.
  Status WithPos(SourcePos pos) const {
    Status s = *this;
    if (!s.pos_.known()) s.pos_ = pos;
    return s;
  }
  // "line:col: message" when positioned, else the message.
  std::string ToString() const;

 private:
  Status(StatusCode c, std::string m, SourcePos p) : code_(c), message_(std::move(m)), pos_(p) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  SourcePos pos_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}     // NOLINT
  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

#define EDDY_CONCAT_INNER(a, b) a##b
#define EDDY_CONCAT(a, b) EDDY_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)            \
  do {                                   \
    ::eddy::Status _st = (expr);         \
    if (!_st.ok()) return _st;           \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(EDDY_CONCAT(_res_, __LINE__), lhs, expr)

}  // namespace eddy
