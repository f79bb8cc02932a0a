#include "engine/io/protobuf_format.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <bit>
#include <cstring>
#include <utility>

#include "engine/common/decimal_ops.h"

namespace eddy {
namespace {

// Protobuf wire types.
enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

constexpr int64_t kMillisPerDay = 86'400'000;
constexpr int64_t kNanosPerMilli = 1'000'000;
// google.protobuf.Timestamp's valid range (Timestamps.checkValid): 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z.
constexpr int64_t kMinTimestampSeconds = -62'135'596'800;
constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;
// 1582-10-15, where java.util.GregorianCalendar switches from the Julian calendar.
constexpr int64_t kGregorianCutoverDay = -141'427;
// How deep unknown groups may nest while being skipped (protobuf's default recursion limit).
constexpr int kMaxGroupDepth = 100;

bool IsMessageKind(TypeKind k) {
  return k == TypeKind::kStruct || k == TypeKind::kDecimal || k == TypeKind::kDate ||
         k == TypeKind::kTime || k == TypeKind::kTimestamp;
}

// Repeated fields of these are packed (proto3's default for numeric scalars).
bool IsPackable(TypeKind k) {
  return k == TypeKind::kBoolean || k == TypeKind::kInt || k == TypeKind::kBigint ||
         k == TypeKind::kDouble;
}

// The value a proto3 field without presence reads as when absent; NULL for message types.
Value DefaultValue(const Type& t) {
  switch (t.kind) {
    case TypeKind::kBoolean: return Value::Boolean(false);
    case TypeKind::kInt: return Value::Int(0);
    case TypeKind::kBigint: return Value::Bigint(0);
    case TypeKind::kDouble: return Value::Double(0.0);
    case TypeKind::kString: return Value::String(std::string());
    case TypeKind::kBytes: return Value::Blob(std::string());
    case TypeKind::kArray: return Value::Array({});
    case TypeKind::kMap: return Value::Map({});
    default: return Value::Null();
  }
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

// ---- The calendar of java.util.GregorianCalendar in UTC ------------------------------------
// Days since 1970-01-01 <-> year/month/day: proleptic Gregorian from 1582-10-15 on, Julian
// before. Both use March-based years so that the leap day ends a cycle.

int64_t GregorianToDays(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void DaysToGregorian(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

// Julian 0001-01-01 is day -719164 (proleptic Gregorian 0000-12-30).
int64_t JulianToDays(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 4);
  const int64_t yoe = y - era * 4;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  return era * 1461 + yoe * 365 + doy - 719470;
}

void DaysToJulian(int64_t z, int64_t& y, int& m, int& d) {
  z += 719470;
  const int64_t era = FloorDiv(z, 1461);
  const int64_t doe = z - era * 1461;
  const int64_t yoe = (doe - doe / 1460) / 365;
  const int64_t doy = doe - 365 * yoe;
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 4 + (m <= 2);
}

int MonthLength(int64_t y, int m, bool julian) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m != 2) return kDays[m - 1];
  const bool leap = julian ? y % 4 == 0 : (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
  return leap ? 29 : 28;
}

// ---- Writing -------------------------------------------------------------------------------

void PutVarint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutTag(uint32_t field, WireType wt, std::string& out) {
  PutVarint((static_cast<uint64_t>(field) << 3) | wt, out);
}

void PutFixed64(uint64_t v, std::string& out) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// A length-delimited section whose length is known only once written: one byte is reserved
// for the length, and the content moves when the length needs more.
size_t BeginLen(std::string& out) {
  out.push_back('\0');
  return out.size();
}

void EndLen(std::string& out, size_t start) {
  const size_t len = out.size() - start;
  if (len < 0x80) {
    out[start - 1] = static_cast<char>(len);
    return;
  }
  char buf[10];
  size_t n = 0;
  for (uint64_t v = len; ; v >>= 7) {
    if (v < 0x80) {
      buf[n++] = static_cast<char>(v);
      break;
    }
    buf[n++] = static_cast<char>(v | 0x80);
  }
  out[start - 1] = buf[0];
  out.insert(start, buf + 1, n - 1);
}

// BigInteger.toByteArray: big-endian two's complement in the fewest bytes that keep the sign.
void PutUnscaledBytes(__int128 v, std::string& out) {
  unsigned char bytes[16];
  auto u = static_cast<unsigned __int128>(v);
  for (int i = 15; i >= 0; --i) {
    bytes[i] = static_cast<unsigned char>(u & 0xFF);
    u >>= 8;
  }
  int first = 0;
  while (first < 15 && ((bytes[first] == 0x00 && !(bytes[first + 1] & 0x80)) ||
                        (bytes[first] == 0xFF && (bytes[first + 1] & 0x80)))) {
    ++first;
  }
  PutVarint(static_cast<uint64_t>(16 - first), out);
  out.append(reinterpret_cast<const char*>(bytes + first), static_cast<size_t>(16 - first));
}

// Writes the fields of one column's value; errors name the column.
class Writer {
 public:
  Writer(std::string& out, std::string_view column) : out_(out), column_(column) {}

  // Field `num` holding `v` (not NULL) of type `t`. A scalar equal to its default is left out
  // unless `keep_default` (an element of a repeated field).
  Status Field(uint32_t num, const Value& v, const Type& t, bool keep_default) {
    switch (t.kind) {
      case TypeKind::kBoolean:
        if (!v.is_bool()) return Mismatch(v, t);
        if (v.as_bool() || keep_default) {
          PutTag(num, kVarint, out_);
          PutVarint(v.as_bool() ? 1 : 0, out_);
        }
        return Status::Ok();
      case TypeKind::kInt:
      case TypeKind::kBigint: {
        if (!v.is_int() && !v.is_bigint()) return Mismatch(v, t);
        // int32 is written sign-extended to 64 bits, as protobuf does.
        const int64_t x = t.kind == TypeKind::kInt ? static_cast<int32_t>(v.ToInt64()) : v.ToInt64();
        if (x != 0 || keep_default) {
          PutTag(num, kVarint, out_);
          PutVarint(static_cast<uint64_t>(x), out_);
        }
        return Status::Ok();
      }
      case TypeKind::kDouble: {
        if (!v.is_double()) return Mismatch(v, t);
        // -0.0 is not the default (Double.equals tells them apart), so it is written.
        const auto bits = std::bit_cast<uint64_t>(v.as_double());
        if (bits != 0 || keep_default) {
          PutTag(num, kFixed64, out_);
          PutFixed64(bits, out_);
        }
        return Status::Ok();
      }
      case TypeKind::kString:
      case TypeKind::kBytes: {
        if (t.kind == TypeKind::kString ? !v.is_string() : !v.is_bytes()) return Mismatch(v, t);
        const std::string& s = t.kind == TypeKind::kString ? v.as_string() : v.as_bytes();
        if (!s.empty() || keep_default) {
          PutTag(num, kLen, out_);
          PutVarint(s.size(), out_);
          out_.append(s);
        }
        return Status::Ok();
      }
      case TypeKind::kDecimal:
      case TypeKind::kDate:
      case TypeKind::kTime:
      case TypeKind::kTimestamp:
      case TypeKind::kStruct: {
        PutTag(num, kLen, out_);
        const size_t start = BeginLen(out_);
        RETURN_IF_ERROR(Message(v, t));
        EndLen(out_, start);
        return Status::Ok();
      }
      case TypeKind::kArray:
        return Repeated(num, v, t);
      case TypeKind::kMap: {
        if (!v.is_map()) return Mismatch(v, t);
        for (const auto& [key, value] : v.as_map()) {
          PutTag(num, kLen, out_);
          const size_t start = BeginLen(out_);
          if (!key.is_null()) RETURN_IF_ERROR(Field(1, key, *t.key, false));
          if (!value.is_null()) RETURN_IF_ERROR(Field(2, value, *t.element, false));
          EndLen(out_, start);
        }
        return Status::Ok();
      }
    }
    return Mismatch(v, t);
  }

  // The content of the message a STRUCT, DECIMAL, DATE, TIME or TIMESTAMP is written as.
  Status Message(const Value& v, const Type& t) {
    switch (t.kind) {
      case TypeKind::kStruct: {
        if (!v.is_struct() || v.as_struct().size() != t.fields.size()) return Mismatch(v, t);
        const ValueList& fields = v.as_struct();
        for (size_t i = 0; i < fields.size(); ++i) {
          if (fields[i].is_null()) continue;
          RETURN_IF_ERROR(Field(static_cast<uint32_t>(i + 1), fields[i], *t.fields[i].type, false));
        }
        return Status::Ok();
      }
      case TypeKind::kDecimal: {
        // confluent.type.Decimal, as DecimalUtils.fromBigDecimal fills it.
        if (!v.is_decimal()) return Mismatch(v, t);
        const Decimal& d = v.as_decimal();
        PutTag(1, kLen, out_);
        PutUnscaledBytes(d.unscaled, out_);
        PutTag(2, kVarint, out_);
        PutVarint(static_cast<uint64_t>(DecimalPrecision(d)), out_);
        if (d.scale != 0) {
          PutTag(3, kVarint, out_);
          PutVarint(static_cast<uint64_t>(static_cast<int64_t>(d.scale)), out_);
        }
        return Status::Ok();
      }
      case TypeKind::kTimestamp: {
        // google.protobuf.Timestamp, as Timestamps.fromMillis makes it.
        if (!v.is_timestamp()) return Mismatch(v, t);
        const int64_t ms = v.as_timestamp();
        const int64_t seconds = FloorDiv(ms, 1000);
        const int64_t nanos = (ms - seconds * 1000) * kNanosPerMilli;
        if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) {
          return Fail(fmt::format("TIMESTAMP {} ms is outside the range protobuf's Timestamp can hold "
                                  "(years 1 to 9999)", ms));
        }
        PutInt(1, seconds);
        PutInt(2, nanos);
        return Status::Ok();
      }
      case TypeKind::kDate: {
        // google.type.Date, with the fields GregorianCalendar gives in UTC.
        if (!v.is_date()) return Mismatch(v, t);
        const int64_t days = v.as_date();
        int64_t y;
        int m, d;
        if (days >= kGregorianCutoverDay) {
          DaysToGregorian(days, y, m, d);
        } else {
          DaysToJulian(days, y, m, d);
        }
        if (y <= 0) y = 1 - y;  // Calendar.YEAR is the year of the era
        PutInt(1, y);
        PutInt(2, m);
        PutInt(3, d);
        return Status::Ok();
      }
      case TypeKind::kTime: {
        // google.type.TimeOfDay.
        if (!v.is_time()) return Mismatch(v, t);
        const int64_t ms = v.as_time();
        if (ms < 0 || ms > kMillisPerDay) {
          return Fail("Time values must use number of millis greater than 0 and less than 86400000");
        }
        const int64_t of_day = ms % kMillisPerDay;
        PutInt(1, of_day / 3'600'000);
        PutInt(2, of_day / 60'000 % 60);
        PutInt(3, of_day / 1000 % 60);
        PutInt(4, of_day % 1000 * kNanosPerMilli);
        return Status::Ok();
      }
      default:
        return Mismatch(v, t);
    }
  }

 private:
  // An integer field of a well-known message, left out when 0.
  void PutInt(uint32_t num, int64_t x) {
    if (x == 0) return;
    PutTag(num, kVarint, out_);
    PutVarint(static_cast<uint64_t>(x), out_);
  }

  Status Repeated(uint32_t num, const Value& v, const Type& t) {
    if (!v.is_array()) return Mismatch(v, t);
    const ValueList& items = v.as_array();
    if (items.empty()) return Status::Ok();
    const Type& et = *t.element;
    for (const Value& item : items) {
      if (item.is_null()) return Fail("an ARRAY with a NULL element cannot be written as protobuf");
    }
    if (!IsPackable(et.kind)) {
      for (const Value& item : items) RETURN_IF_ERROR(Field(num, item, et, true));
      return Status::Ok();
    }
    PutTag(num, kLen, out_);
    const size_t start = BeginLen(out_);
    for (const Value& item : items) {
      switch (et.kind) {
        case TypeKind::kBoolean:
          if (!item.is_bool()) return Mismatch(item, et);
          PutVarint(item.as_bool() ? 1 : 0, out_);
          break;
        case TypeKind::kInt:
        case TypeKind::kBigint: {
          if (!item.is_int() && !item.is_bigint()) return Mismatch(item, et);
          const int64_t x =
              et.kind == TypeKind::kInt ? static_cast<int32_t>(item.ToInt64()) : item.ToInt64();
          PutVarint(static_cast<uint64_t>(x), out_);
          break;
        }
        default:  // kDouble
          if (!item.is_double()) return Mismatch(item, et);
          PutFixed64(std::bit_cast<uint64_t>(item.as_double()), out_);
          break;
      }
    }
    EndLen(out_, start);
    return Status::Ok();
  }

  Status Fail(std::string_view why) const {
    return Status::Invalid(fmt::format("Failed to serialize PROTOBUF_NOSR data: {}, column: `{}`", why, column_));
  }
  Status Mismatch(const Value& v, const Type& t) const {
    return Fail(fmt::format("value {} does not match type {}", v.DebugString(), t.ToString()));
  }

  std::string& out_;
  std::string_view column_;
};

// ---- Reading -------------------------------------------------------------------------------

struct Cursor {
  const unsigned char* p;
  const unsigned char* end;

  explicit Cursor(std::string_view bytes)
      : p(reinterpret_cast<const unsigned char*>(bytes.data())), end(p + bytes.size()) {}
  bool done() const { return p >= end; }

  // False when truncated or longer than 10 bytes (a malformed varint).
  bool Varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) return false;
      const unsigned char b = *p++;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool Fixed64(uint64_t& v) {
    if (end - p < 8) return false;
    v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    p += 8;
    return true;
  }
  bool Skip(size_t n) {
    if (static_cast<size_t>(end - p) < n) return false;
    p += n;
    return true;
  }
  bool Bytes(std::string_view& out) {
    uint64_t len;
    if (!Varint(len) || len > static_cast<uint64_t>(end - p)) return false;
    out = std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
    p += len;
    return true;
  }
};

// Reads messages against column types; errors name the column being read.
class Reader {
 public:
  std::string_view column;

  // Reads the fields of a message whose field i+1 has type type_at(i), i < n, into out[0..n),
  // which hold their starting values (defaults, or what an earlier occurrence of the message
  // gave). `names`, when given, names field i for errors (the columns of the root message).
  template <typename TypeAt>
  Status Fields(std::string_view bytes, size_t n, const TypeAt& type_at, Value* out,
                const std::vector<Column>* names) {
    Cursor c(bytes);
    // Repeated fields gather here, then replace their field's value.
    std::vector<std::pair<size_t, ValueList>> arrays;
    std::vector<std::pair<size_t, std::vector<std::pair<Value, Value>>>> maps;
    while (!c.done()) {
      uint32_t wt;
      uint64_t num;
      RETURN_IF_ERROR(Tag(c, wt, num));
      if (num > n) {
        if (names) column = {};
        RETURN_IF_ERROR(SkipField(c, wt, num));
        continue;
      }
      const size_t i = static_cast<size_t>(num - 1);
      if (names) column = (*names)[i].name;
      const Type& t = type_at(i);
      if (t.kind == TypeKind::kArray) {
        ValueList* items = nullptr;
        for (auto& [at, list] : arrays)
          if (at == i) items = &list;
        if (!items) {
          // A message met twice merges: its repeated fields concatenate.
          arrays.emplace_back(i, out[i].is_array() ? out[i].as_array() : ValueList{});
          items = &arrays.back().second;
        }
        RETURN_IF_ERROR(RepeatedField(c, wt, num, *t.element, *items));
      } else if (t.kind == TypeKind::kMap) {
        if (wt != kLen) {
          RETURN_IF_ERROR(SkipField(c, wt, num));
          continue;
        }
        std::string_view entry;
        if (!c.Bytes(entry)) return Truncated();
        std::vector<std::pair<Value, Value>>* entries = nullptr;
        for (auto& [at, list] : maps)
          if (at == i) entries = &list;
        if (!entries) {
          maps.emplace_back(i, out[i].is_map() ? out[i].as_map() : std::vector<std::pair<Value, Value>>{});
          entries = &maps.back().second;
        }
        RETURN_IF_ERROR(MapEntry(entry, t, *entries));
      } else {
        RETURN_IF_ERROR(SingleField(c, wt, num, t, out[i]));
      }
    }
    for (auto& [i, items] : arrays) out[i] = Value::Array(std::move(items));
    for (auto& [i, entries] : maps) out[i] = Value::Map(std::move(entries));
    return Status::Ok();
  }

  // A STRUCT, DECIMAL, DATE, TIME or TIMESTAMP from its message. A STRUCT already in `out`
  // (the field met before) is merged into.
  Status Message(std::string_view bytes, const Type& t, Value& out) {
    switch (t.kind) {
      case TypeKind::kStruct: {
        ValueList fields;
        if (out.is_struct()) {
          fields = out.as_struct();
        } else {
          fields.reserve(t.fields.size());
          for (const auto& f : t.fields) fields.push_back(DefaultValue(*f.type));
        }
        RETURN_IF_ERROR(Fields(
            bytes, t.fields.size(), [&t](size_t i) -> const Type& { return *t.fields[i].type; },
            fields.data(), nullptr));
        out = Value::Struct(std::move(fields));
        return Status::Ok();
      }
      case TypeKind::kDecimal: return DecimalMessage(bytes, t, out);
      case TypeKind::kTimestamp: {
        int64_t f[2] = {0, 0};
        RETURN_IF_ERROR(IntFields(bytes, f, 2));
        const int64_t seconds = f[0];
        const auto nanos = static_cast<int32_t>(f[1]);
        if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds || nanos < 0 ||
            nanos > 999'999'999) {
          return Fail(fmt::format("Timestamp is not valid: seconds {} must be in [-62135596800, 253402300799] "
                                  "and nanos {} in [0, 999999999]", seconds, nanos));
        }
        out = Value::Ts(seconds * 1000 + nanos / kNanosPerMilli);
        return Status::Ok();
      }
      case TypeKind::kDate: {
        int64_t f[3] = {0, 0, 0};
        RETURN_IF_ERROR(IntFields(bytes, f, 3));
        const auto y = static_cast<int32_t>(f[0]);
        const auto m = static_cast<int32_t>(f[1]);
        const auto d = static_cast<int32_t>(f[2]);
        // A non-lenient GregorianCalendar in the AD era, as ProtobufData reads it.
        const bool julian = y < 1582 || (y == 1582 && (m < 10 || (m == 10 && d < 15)));
        if (y < 1 || m < 1 || m > 12 || d < 1 || d > MonthLength(y, m, julian)) {
          return Fail(fmt::format("{}-{}-{} is not a valid date", y, m, d));
        }
        const int64_t days = julian ? JulianToDays(y, m, d) : GregorianToDays(y, m, d);
        if (days < INT32_MIN || days > INT32_MAX) return Fail(fmt::format("the date {}-{}-{} is out of range", y, m, d));
        out = Value::Dt(static_cast<int32_t>(days));
        return Status::Ok();
      }
      case TypeKind::kTime: {
        int64_t f[4] = {0, 0, 0, 0};
        RETURN_IF_ERROR(IntFields(bytes, f, 4));
        const auto h = static_cast<int32_t>(f[0]);
        const auto m = static_cast<int32_t>(f[1]);
        const auto s = static_cast<int32_t>(f[2]);
        const auto nanos = static_cast<int32_t>(f[3]);
        // LocalTime.of's ranges.
        if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59 || nanos < 0 || nanos > 999'999'999) {
          return Fail(fmt::format("{}:{}:{}.{:09} is not a valid time of day", h, m, s, nanos));
        }
        out = Value::Tm(((h * 60 + m) * 60 + s) * 1000 + nanos / static_cast<int32_t>(kNanosPerMilli));
        return Status::Ok();
      }
      default:
        return Status::Internal("PROTOBUF_NOSR: not a message type");
    }
  }

 private:
  // The next field's tag: its wire type and number.
  Status Tag(Cursor& c, uint32_t& wt, uint64_t& num) const {
    uint64_t tag;
    if (!c.Varint(tag)) return Truncated();
    wt = static_cast<uint32_t>(tag & 7);
    num = tag >> 3;
    return num == 0 ? Fail("a field number of 0") : Status::Ok();
  }

  Status SingleField(Cursor& c, uint32_t wt, uint64_t num, const Type& t, Value& out) {
    // A field of another wire type is an unknown field to protobuf: skipped.
    if (wt != ExpectedWireType(t.kind)) return SkipField(c, wt, num);
    switch (t.kind) {
      case TypeKind::kBoolean:
      case TypeKind::kInt:
      case TypeKind::kBigint: {
        uint64_t v;
        if (!c.Varint(v)) return Truncated();
        out = Scalar(t.kind, v);
        return Status::Ok();
      }
      case TypeKind::kDouble: {
        uint64_t v;
        if (!c.Fixed64(v)) return Truncated();
        out = Value::Double(std::bit_cast<double>(v));
        return Status::Ok();
      }
      case TypeKind::kString:
      case TypeKind::kBytes: {
        std::string_view s;
        if (!c.Bytes(s)) return Truncated();
        return Text(s, t.kind, out);
      }
      default: {
        std::string_view sub;
        if (!c.Bytes(sub)) return Truncated();
        return Message(sub, t, out);
      }
    }
  }

  Status RepeatedField(Cursor& c, uint32_t wt, uint64_t num, const Type& et, ValueList& items) {
    if (IsPackable(et.kind) && wt == kLen) {
      std::string_view packed;
      if (!c.Bytes(packed)) return Truncated();
      Cursor pc(packed);
      while (!pc.done()) {
        uint64_t v;
        if (!(et.kind == TypeKind::kDouble ? pc.Fixed64(v) : pc.Varint(v))) return Truncated();
        items.push_back(et.kind == TypeKind::kDouble ? Value::Double(std::bit_cast<double>(v))
                                                     : Scalar(et.kind, v));
      }
      return Status::Ok();
    }
    if (wt != ExpectedWireType(et.kind)) return SkipField(c, wt, num);
    Value item = IsMessageKind(et.kind) ? Value::Null() : DefaultValue(et);
    RETURN_IF_ERROR(SingleField(c, wt, num, et, item));
    items.push_back(std::move(item));
    return Status::Ok();
  }

  // One entry {key = 1; value = 2} of a MAP; a key met again replaces its value.
  Status MapEntry(std::string_view bytes, const Type& t, std::vector<std::pair<Value, Value>>& entries) {
    Value kv[2] = {DefaultValue(*t.key), DefaultValue(*t.element)};
    RETURN_IF_ERROR(Fields(
        bytes, 2, [&t](size_t i) -> const Type& { return i == 0 ? *t.key : *t.element; }, kv, nullptr));
    // An absent message value is the message's default instance, as getField returns it.
    if (kv[1].is_null() && IsMessageKind(t.element->kind)) RETURN_IF_ERROR(Message({}, *t.element, kv[1]));
    for (auto& [key, value] : entries) {
      if (key == kv[0]) {
        value = std::move(kv[1]);
        return Status::Ok();
      }
    }
    entries.emplace_back(std::move(kv[0]), std::move(kv[1]));
    return Status::Ok();
  }

  // confluent.type.Decimal as DecimalUtils.toBigDecimal reads it, then fitted to the column.
  Status DecimalMessage(std::string_view bytes, const Type& t, Value& out) {
    Cursor c(bytes);
    std::string_view unscaled;
    bool has_unscaled = false;
    int64_t precision = 0;
    int32_t scale = 0;
    while (!c.done()) {
      uint32_t wt;
      uint64_t num;
      RETURN_IF_ERROR(Tag(c, wt, num));
      if (num == 1 && wt == kLen) {
        if (!c.Bytes(unscaled)) return Truncated();
        has_unscaled = !unscaled.empty();
      } else if ((num == 2 || num == 3) && wt == kVarint) {
        uint64_t v;
        if (!c.Varint(v)) return Truncated();
        if (num == 2) precision = static_cast<uint32_t>(v);
        else scale = static_cast<int32_t>(v);
      } else {
        RETURN_IF_ERROR(SkipField(c, wt, num));
      }
    }
    if (!has_unscaled) return Fail("a DECIMAL without its value (Zero length BigInteger)");
    // Big-endian two's complement; more than 16 bytes must be sign extension.
    const auto* b = reinterpret_cast<const unsigned char*>(unscaled.data());
    const bool negative = b[0] & 0x80;
    size_t skip = 0;
    while (unscaled.size() - skip > 16) {
      if (b[skip] != (negative ? 0xFF : 0x00)) return Fail("a DECIMAL with more than 38 digits");
      ++skip;
    }
    unsigned __int128 u = negative ? ~static_cast<unsigned __int128>(0) : 0;
    for (size_t i = skip; i < unscaled.size(); ++i) u = (u << 8) | b[i];
    Decimal d{static_cast<__int128>(u), scale};
    if (DecimalPrecision(d) > kMaxDecimalPrecision) return Fail("a DECIMAL with more than 38 digits");
    // new BigDecimal(unscaled, scale, new MathContext(precision)): rounded HALF_UP to precision.
    if (precision > 0 && DecimalPrecision(d) > precision) {
      auto rounded = Rescale(d, static_cast<int>(scale - (DecimalPrecision(d) - precision)), RoundingMode::kHalfUp);
      if (!rounded.ok()) return Fail(rounded.status().message());
      d = rounded.value();
    }
    auto fit = DecimalEnsureFit(d, t.precision, t.scale);
    if (!fit.ok()) return Fail(fit.status().message());
    out = Value::Dec(fit.value());
    return Status::Ok();
  }

  // The integer fields 1..n of a well-known message (Timestamp, Date, TimeOfDay) into f[].
  Status IntFields(std::string_view bytes, int64_t* f, size_t n) {
    Cursor c(bytes);
    while (!c.done()) {
      uint32_t wt;
      uint64_t num;
      RETURN_IF_ERROR(Tag(c, wt, num));
      if (num > n || wt != kVarint) {
        RETURN_IF_ERROR(SkipField(c, wt, num));
        continue;
      }
      uint64_t v;
      if (!c.Varint(v)) return Truncated();
      f[num - 1] = static_cast<int64_t>(v);
    }
    return Status::Ok();
  }

  Status Text(std::string_view s, TypeKind kind, Value& out) {
    if (kind == TypeKind::kBytes) {
      out = Value::Blob(std::string(s));
      return Status::Ok();
    }
    // proto3 strings must be UTF-8; protobuf's parser rejects anything else.
    if (!simdjson::validate_utf8(s.data(), s.size())) return Fail("Protocol message had invalid UTF-8");
    out = Value::String(std::string(s));
    return Status::Ok();
  }

  static Value Scalar(TypeKind kind, uint64_t v) {
    switch (kind) {
      case TypeKind::kBoolean: return Value::Boolean(v != 0);
      case TypeKind::kInt: return Value::Int(static_cast<int32_t>(static_cast<uint32_t>(v)));
      default: return Value::Bigint(static_cast<int64_t>(v));
    }
  }

  static uint32_t ExpectedWireType(TypeKind kind) {
    switch (kind) {
      case TypeKind::kBoolean:
      case TypeKind::kInt:
      case TypeKind::kBigint: return kVarint;
      case TypeKind::kDouble: return kFixed64;
      default: return kLen;
    }
  }

  Status SkipField(Cursor& c, uint32_t wt, uint64_t num, int depth = 0) {
    uint64_t v;
    std::string_view s;
    switch (wt) {
      case kVarint: return c.Varint(v) ? Status::Ok() : Truncated();
      case kFixed64: return c.Skip(8) ? Status::Ok() : Truncated();
      case kLen: return c.Bytes(s) ? Status::Ok() : Truncated();
      case kFixed32: return c.Skip(4) ? Status::Ok() : Truncated();
      case kStartGroup: {
        if (depth >= kMaxGroupDepth) return Fail("groups nested too deeply");
        for (;;) {
          uint64_t tag;
          if (!c.Varint(tag)) return Truncated();
          const auto inner_wt = static_cast<uint32_t>(tag & 7);
          if (inner_wt == kEndGroup) {
            if ((tag >> 3) != num) return Fail("an end-group tag that does not match its group");
            return Status::Ok();
          }
          RETURN_IF_ERROR(SkipField(c, inner_wt, tag >> 3, depth + 1));
        }
      }
      case kEndGroup: return Fail("an end-group tag outside a group");
      default: return Fail(fmt::format("a tag with the invalid wire type {}", wt));
    }
  }

  Status Truncated() const { return Fail("the message is truncated or has a malformed varint"); }
  Status Fail(std::string_view why) const {
    if (column.empty()) return Status::Invalid(fmt::format("Failed to deserialize PROTOBUF_NOSR data: {}", why));
    return Status::Invalid(fmt::format("Failed to deserialize PROTOBUF_NOSR data: {}, column: `{}`", why, column));
  }
};

Status CheckType(const Type& t, const Column& c) {
  switch (t.kind) {
    case TypeKind::kMap:
      if (t.key->kind != TypeKind::kString) {
        return Status::Invalid("PROTOBUF format only supports MAP types with STRING keys. "
                               "See https://github.com/confluentinc/ksql/issues/6177.");
      }
      return CheckType(*t.element, c);
    case TypeKind::kArray:
      if (t.element->kind == TypeKind::kArray || t.element->kind == TypeKind::kMap) {
        return Status::Invalid(fmt::format("The 'PROTOBUF_NOSR' format does not support an ARRAY of {}s, "
                                           "column: `{}`", SqlBaseTypeName(*t.element), c.name));
      }
      return CheckType(*t.element, c);
    case TypeKind::kStruct:
      for (const auto& f : t.fields) RETURN_IF_ERROR(CheckType(*f.type, c));
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

bool Unwrapped(const std::vector<Column>& columns, const FormatOptions& options) {
  return columns.size() == 1 && !options.wrap_single_value.value_or(!options.is_key);
}

}  // namespace

ProtobufFormat::ProtobufFormat(std::vector<Column> columns, const FormatOptions& options)
    : columns_(std::move(columns)), unwrapped_(Unwrapped(columns_, options)), is_key_(options.is_key) {}

Status ProtobufFormat::Validate(const std::vector<Column>& columns, const FormatOptions& options) {
  for (const Column& c : columns) RETURN_IF_ERROR(CheckType(*c.type, c));
  if (Unwrapped(columns, options)) {
    const Type& t = *columns[0].type;
    if (t.kind == TypeKind::kArray || t.kind == TypeKind::kMap) {
      return Status::Invalid(fmt::format("The 'PROTOBUF_NOSR' format cannot hold a single unwrapped {} "
                                         "(Unsupported root schema of type {}), column: `{}`",
                                         SqlBaseTypeName(t), SqlBaseTypeName(t), columns[0].name));
    }
  }
  return Status::Ok();
}

Status ProtobufFormat::Deserialize(std::string_view bytes, Row& out, DeserializeOutcome& outcome) const {
  outcome = DeserializeOutcome::kRow;
  Reader reader;
  if (unwrapped_) {
    const Type& t = *columns_[0].type;
    reader.column = columns_[0].name;
    out.assign(1, Value::Null());
    if (IsMessageKind(t.kind)) return reader.Message(bytes, t, out[0]);
    // A primitive is google.protobuf's wrapper message: the value in field 1.
    out[0] = DefaultValue(t);
    return reader.Fields(bytes, 1, [&t](size_t) -> const Type& { return t; }, out.data(), nullptr);
  }
  out.resize(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) out[i] = DefaultValue(*columns_[i].type);
  return reader.Fields(
      bytes, columns_.size(), [this](size_t i) -> const Type& { return *columns_[i].type; }, out.data(),
      &columns_);
}

Status ProtobufFormat::Serialize(const Row& row, std::string& out) const {
  out.clear();
  if (row.size() != columns_.size()) {
    return Status::Invalid(fmt::format("Column count mismatch on serialization: expected {} columns, got {}",
                                       columns_.size(), row.size()));
  }
  if (unwrapped_) {
    if (row[0].is_null()) return Status::Ok();
    const Type& t = *columns_[0].type;
    Writer w(out, columns_[0].name);
    return IsMessageKind(t.kind) ? w.Message(row[0], t) : w.Field(1, row[0], t, false);
  }
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i].is_null()) continue;
    Writer w(out, columns_[i].name);
    RETURN_IF_ERROR(w.Field(static_cast<uint32_t>(i + 1), row[i], *columns_[i].type, false));
  }
  return Status::Ok();
}

bool ProtobufFormat::SerializesToNull(const Row& row) const {
  if (columns_.empty()) return is_key_;
  return unwrapped_ && !row.empty() && row[0].is_null();
}

}  // namespace eddy
