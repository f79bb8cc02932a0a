#include "engine/common/value.h"

#include <fmt/format.h>

#include <functional>

namespace eddy {

std::string Decimal::ToString() const {
  bool neg = unscaled < 0;
  unsigned __int128 mag = neg ? -static_cast<unsigned __int128>(unscaled)
                              : static_cast<unsigned __int128>(unscaled);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(mag % 10)));
    mag /= 10;
  } while (mag != 0);
  std::string out;
  if (scale <= 0) {
    std::string s(digits.rbegin(), digits.rend());
    if (s != "0") s.append(static_cast<size_t>(-scale), '0');
    return (neg ? "-" : "") + s;
  }
  while (digits.size() <= static_cast<size_t>(scale)) digits.push_back('0');
  std::string s(digits.rbegin(), digits.rend());
  s.insert(s.size() - static_cast<size_t>(scale), ".");
  return (neg ? "-" : "") + s;
}

double Value::ToDouble() const {
  if (is_int()) return as_int();
  if (is_bigint()) return static_cast<double>(as_bigint());
  if (is_double()) return as_double();
  if (is_decimal()) {
    // Via the string: exact for every representable decimal.
    return std::stod(as_decimal().ToString());
  }
  return 0;
}

bool Value::operator==(const Value& o) const {
  if (v_.index() != o.v_.index()) return false;
  if (is_array()) return as_array() == o.as_array();
  if (is_struct()) return as_struct() == o.as_struct();
  if (is_map()) return as_map() == o.as_map();
  return v_ == o.v_;
}

size_t HashValue(const Value& v) {
  size_t h = std::hash<size_t>()(v.index());
  auto mix = [&h](size_t x) { h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int32_t> ||
                             std::is_same_v<T, int64_t> || std::is_same_v<T, double> ||
                             std::is_same_v<T, std::string>) {
          mix(std::hash<T>()(x));
        } else if constexpr (std::is_same_v<T, Decimal>) {
          mix(std::hash<int64_t>()(static_cast<int64_t>(x.unscaled)));
          mix(std::hash<int32_t>()(x.scale));
        } else if constexpr (std::is_same_v<T, Bytes>) {
          mix(std::hash<std::string>()(x.data));
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          mix(std::hash<int64_t>()(x.millis));
        } else if constexpr (std::is_same_v<T, Date>) {
          mix(std::hash<int32_t>()(x.days));
        } else if constexpr (std::is_same_v<T, Time>) {
          mix(std::hash<int32_t>()(x.millis));
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const ArrayValue>>) {
          for (const auto& e : x->items) mix(HashValue(e));
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const StructValue>>) {
          for (const auto& e : x->fields) mix(HashValue(e));
        } else {
          for (const auto& [k, val] : x->entries) {
            mix(HashValue(k));
            mix(HashValue(val));
          }
        }
      },
      v.storage());
  return h;
}

std::string Value::DebugString() const {
  return std::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "null";
        else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>)
          return std::to_string(x);
        else if constexpr (std::is_same_v<T, double>) return fmt::format("{}", x);
        else if constexpr (std::is_same_v<T, Decimal>) return x.ToString();
        else if constexpr (std::is_same_v<T, std::string>) return "'" + x + "'";
        else if constexpr (std::is_same_v<T, Bytes>) return "bytes(" + std::to_string(x.data.size()) + ")";
        else if constexpr (std::is_same_v<T, Timestamp>) return "ts(" + std::to_string(x.millis) + ")";
        else if constexpr (std::is_same_v<T, Date>) return "date(" + std::to_string(x.days) + ")";
        else if constexpr (std::is_same_v<T, Time>) return "time(" + std::to_string(x.millis) + ")";
        else if constexpr (std::is_same_v<T, std::shared_ptr<const ArrayValue>>) {
          std::string s = "[";
          for (size_t i = 0; i < x->items.size(); ++i) s += (i ? ", " : "") + x->items[i].DebugString();
          return s + "]";
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const StructValue>>) {
          std::string s = "{";
          for (size_t i = 0; i < x->fields.size(); ++i) s += (i ? ", " : "") + x->fields[i].DebugString();
          return s + "}";
        } else {
          std::string s = "{";
          for (size_t i = 0; i < x->entries.size(); ++i)
            s += (i ? ", " : "") + x->entries[i].first.DebugString() + ": " + x->entries[i].second.DebugString();
          return s + "}";
        }
      },
      v_);
}

}  // namespace eddy
