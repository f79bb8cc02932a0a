#pragma once
// Value: one SQL value, a compact tagged union. Rows are positional vectors of Values; the
// names and types live in the Schema.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace eddy {

// A DECIMAL: unscaled * 10^-scale. 38 digits fit in 128 bits.
struct Decimal {
  __int128 unscaled = 0;
  int32_t scale = 0;
  bool operator==(const Decimal&) const = default;
  // Plain notation with exactly `scale` digits after the point: "1.50", "-0.005", "12".
  std::string ToString() const;
};

struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};
struct Timestamp {
  int64_t millis = 0;
  bool operator==(const Timestamp&) const = default;
};
struct Date {
  int32_t days = 0;
  bool operator==(const Date&) const = default;
};
struct Time {
  int32_t millis = 0;  // of the day
  bool operator==(const Time&) const = default;
};

class Value;
using ValueList = std::vector<Value>;
// Arrays and structs are value lists; maps are ordered key/value pairs (insertion order).
struct ArrayValue {
  ValueList items;
};
struct StructValue {
  ValueList fields;  // positional, as the struct type orders them
};
struct MapValue {
  std::vector<std::pair<Value, Value>> entries;
};

class Value {
 public:
  using Storage = std::variant<std::monostate, bool, int32_t, int64_t, double, Decimal, std::string,
                               Bytes, Timestamp, Date, Time, std::shared_ptr<const ArrayValue>,
                               std::shared_ptr<const MapValue>, std::shared_ptr<const StructValue>>;

  Value() = default;
  static Value Null() { return Value(); }
  static Value Boolean(bool b) { return Value(Storage(b)); }
  static Value Int(int32_t v) { return Value(Storage(v)); }
  static Value Bigint(int64_t v) { return Value(Storage(v)); }
  static Value Double(double v) { return Value(Storage(v)); }
  static Value Dec(Decimal d) { return Value(Storage(d)); }
  static Value String(std::string s) { return Value(Storage(std::move(s))); }
  static Value Blob(std::string s) { return Value(Storage(eddy::Bytes{std::move(s)})); }
  static Value Ts(int64_t ms) { return Value(Storage(Timestamp{ms})); }
  static Value Dt(int32_t days) { return Value(Storage(eddy::Date{days})); }
  static Value Tm(int32_t ms) { return Value(Storage(eddy::Time{ms})); }
  static Value Array(ValueList items) {
    return Value(Storage(std::make_shared<const ArrayValue>(ArrayValue{std::move(items)})));
  }
  static Value Map(std::vector<std::pair<Value, Value>> entries) {
    return Value(Storage(std::make_shared<const MapValue>(MapValue{std::move(entries)})));
  }
  static Value Struct(ValueList fields) {
    return Value(Storage(std::make_shared<const StructValue>(StructValue{std::move(fields)})));
  }

  bool is_null() const { return v_.index() == 0; }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int32_t>(v_); }
  bool is_bigint() const { return std::holds_alternative<int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_decimal() const { return std::holds_alternative<Decimal>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_bytes() const { return std::holds_alternative<eddy::Bytes>(v_); }
  bool is_timestamp() const { return std::holds_alternative<Timestamp>(v_); }
  bool is_date() const { return std::holds_alternative<eddy::Date>(v_); }
  bool is_time() const { return std::holds_alternative<eddy::Time>(v_); }
  bool is_array() const { return std::holds_alternative<std::shared_ptr<const ArrayValue>>(v_); }
  bool is_map() const { return std::holds_alternative<std::shared_ptr<const MapValue>>(v_); }
  bool is_struct() const { return std::holds_alternative<std::shared_ptr<const StructValue>>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  int32_t as_int() const { return std::get<int32_t>(v_); }
  int64_t as_bigint() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const Decimal& as_decimal() const { return std::get<Decimal>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const std::string& as_bytes() const { return std::get<eddy::Bytes>(v_).data; }
  int64_t as_timestamp() const { return std::get<Timestamp>(v_).millis; }
  int32_t as_date() const { return std::get<eddy::Date>(v_).days; }
  int32_t as_time() const { return std::get<eddy::Time>(v_).millis; }
  const ValueList& as_array() const { return std::get<std::shared_ptr<const ArrayValue>>(v_)->items; }
  const std::vector<std::pair<Value, Value>>& as_map() const {
    return std::get<std::shared_ptr<const MapValue>>(v_)->entries;
  }
  const ValueList& as_struct() const {
    return std::get<std::shared_ptr<const StructValue>>(v_)->fields;
  }

  // Integral value of an INT or BIGINT; double of any numeric (INT, BIGINT, DOUBLE, DECIMAL).
  int64_t ToInt64() const { return is_int() ? as_int() : as_bigint(); }
  double ToDouble() const;

  const Storage& storage() const { return v_; }
  size_t index() const { return v_.index(); }

  // Deep equality: same kind and same content (DECIMAL compares value and scale).
  bool operator==(const Value& other) const;
  // A debugging rendering, not a format.
  std::string DebugString() const;

 private:
  explicit Value(Storage s) : v_(std::move(s)) {}
  Storage v_;
};

using Row = ValueList;

// Hash of a value, consistent with operator==.
size_t HashValue(const Value& v);

}  // namespace eddy
