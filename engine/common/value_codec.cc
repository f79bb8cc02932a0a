#include "engine/common/value_codec.h"

#include <cstring>

namespace eddy {
namespace {

enum Tag : uint8_t {
  kNull = 0, kFalse, kTrue, kInt, kBigint, kDouble, kDecimal, kString, kBytes, kTimestamp, kDate, kTime,
  kArray, kMap, kStruct,
};

template <typename T>
void Put(std::string& out, T x) {
  char buf[sizeof(T)];
  std::memcpy(buf, &x, sizeof(T));
  out.append(buf, sizeof(T));
}

template <typename T>
bool Get(std::string_view& in, T* x) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(x, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

void PutLen(std::string& out, size_t n) { Put<uint32_t>(out, static_cast<uint32_t>(n)); }

Status Truncated() { return Status::Internal("state value is truncated or corrupt"); }

}  // namespace

void EncodeValue(const Value& v, std::string& out) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) out.push_back(kNull);
        else if constexpr (std::is_same_v<T, bool>) out.push_back(x ? kTrue : kFalse);
        else if constexpr (std::is_same_v<T, int32_t>) { out.push_back(kInt); Put(out, x); }
        else if constexpr (std::is_same_v<T, int64_t>) { out.push_back(kBigint); Put(out, x); }
        else if constexpr (std::is_same_v<T, double>) { out.push_back(kDouble); Put(out, x); }
        else if constexpr (std::is_same_v<T, Decimal>) { out.push_back(kDecimal); Put(out, x.unscaled); Put(out, x.scale); }
        else if constexpr (std::is_same_v<T, std::string>) { out.push_back(kString); PutLen(out, x.size()); out += x; }
        else if constexpr (std::is_same_v<T, Bytes>) { out.push_back(kBytes); PutLen(out, x.data.size()); out += x.data; }
        else if constexpr (std::is_same_v<T, Timestamp>) { out.push_back(kTimestamp); Put(out, x.millis); }
        else if constexpr (std::is_same_v<T, Date>) { out.push_back(kDate); Put(out, x.days); }
        else if constexpr (std::is_same_v<T, Time>) { out.push_back(kTime); Put(out, x.millis); }
        else if constexpr (std::is_same_v<T, std::shared_ptr<const ArrayValue>>) {
          out.push_back(kArray); PutLen(out, x->items.size());
          for (const auto& e : x->items) EncodeValue(e, out);
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const StructValue>>) {
          out.push_back(kStruct); PutLen(out, x->fields.size());
          for (const auto& e : x->fields) EncodeValue(e, out);
        } else {
          out.push_back(kMap); PutLen(out, x->entries.size());
          for (const auto& [k, val] : x->entries) { EncodeValue(k, out); EncodeValue(val, out); }
        }
      },
      v.storage());
}

void EncodeRow(const Row& row, std::string& out) {
  PutLen(out, row.size());
  for (const auto& v : row) EncodeValue(v, out);
}

Result<Value> DecodeValue(std::string_view& in) {
  if (in.empty()) return Truncated();
  uint8_t tag = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  switch (tag) {
    case kNull: return Value();
    case kFalse: return Value::Boolean(false);
    case kTrue: return Value::Boolean(true);
    case kInt: { int32_t x; if (!Get(in, &x)) return Truncated(); return Value::Int(x); }
    case kBigint: { int64_t x; if (!Get(in, &x)) return Truncated(); return Value::Bigint(x); }
    case kDouble: { double x; if (!Get(in, &x)) return Truncated(); return Value::Double(x); }
    case kDecimal: {
      Decimal d;
      if (!Get(in, &d.unscaled) || !Get(in, &d.scale)) return Truncated();
      return Value::Dec(d);
    }
    case kString:
    case kBytes: {
      uint32_t n;
      if (!Get(in, &n) || in.size() < n) return Truncated();
      std::string s(in.substr(0, n));
      in.remove_prefix(n);
      return tag == kString ? Value::String(std::move(s)) : Value::Blob(std::move(s));
    }
    case kTimestamp: { int64_t x; if (!Get(in, &x)) return Truncated(); return Value::Ts(x); }
    case kDate: { int32_t x; if (!Get(in, &x)) return Truncated(); return Value::Dt(x); }
    case kTime: { int32_t x; if (!Get(in, &x)) return Truncated(); return Value::Tm(x); }
    case kArray:
    case kStruct: {
      uint32_t n;
      if (!Get(in, &n) || n > in.size()) return Truncated();
      ValueList items;
      items.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        ASSIGN_OR_RETURN(Value e, DecodeValue(in));
        items.push_back(std::move(e));
      }
      return tag == kArray ? Value::Array(std::move(items)) : Value::Struct(std::move(items));
    }
    case kMap: {
      uint32_t n;
      if (!Get(in, &n) || n > in.size()) return Truncated();
      std::vector<std::pair<Value, Value>> entries;
      for (uint32_t i = 0; i < n; ++i) {
        ASSIGN_OR_RETURN(Value k, DecodeValue(in));
        ASSIGN_OR_RETURN(Value v, DecodeValue(in));
        entries.emplace_back(std::move(k), std::move(v));
      }
      return Value::Map(std::move(entries));
    }
    default: return Truncated();
  }
}

Result<Row> DecodeRow(std::string_view in) {
  uint32_t n;
  if (!Get(in, &n) || n > in.size()) return Truncated();
  Row row;
  row.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(Value v, DecodeValue(in));
    row.push_back(std::move(v));
  }
  return row;
}

void EncodeState(const Row& row, std::string& out) {
  out.clear();
  out.push_back(static_cast<char>(kStateFormatVersion));
  EncodeRow(row, out);
}

Result<Row> DecodeState(std::string_view in, std::string_view what) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kStateFormatVersion)
    return Status::Internal(std::string(what) + " state has an unknown format version");
  return DecodeRow(in.substr(1));
}

}  // namespace eddy
