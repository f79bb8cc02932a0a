// PROTOBUF_NOSR. Every expected byte string is worked out by hand from the protobuf wire-format
// spec (tag = field << 3 | wire type; varints 7 bits at a time, low first; int32 sign-extended
// to 10 bytes; doubles little-endian) and from the message types Confluent's ProtobufData uses
// (confluent.type.Decimal, google.protobuf.Timestamp, google.type.Date, google.type.TimeOfDay);
// values follow ksqlDB's QTT files (bytes.json, date.json, decimal.json, protobuf.json).
#include <catch2/catch.hpp>

#include <string>

#include "engine/common/decimal_ops.h"
#include "engine/io/format.h"
#include "engine/io/protobuf_format.h"

using namespace eddy;

namespace {

// One PROTOBUF_NOSR format over value columns named A, B, C, ... of the given types.
struct Proto {
  std::unique_ptr<Format> format;

  explicit Proto(std::vector<TypePtr> types, FormatOptions options = {}) {
    std::vector<Column> cols;
    for (size_t i = 0; i < types.size(); ++i) {
      cols.push_back(Column{std::string(1, static_cast<char>('A' + i)), types[i],
                            options.is_key ? ColumnRole::kKey : ColumnRole::kValue, ""});
    }
    auto made = MakeFormat("PROTOBUF_NOSR", cols, options);
    if (!made.ok()) FAIL(made.status().message());
    format = std::move(made).value();
  }

  std::string Bytes(const Row& row) const {
    std::string out = "left over";
    Status st = format->Serialize(row, out);
    if (!st.ok()) FAIL(st.message());
    return out;
  }
  std::string WriteError(const Row& row) const {
    std::string out;
    Status st = format->Serialize(row, out);
    return st.ok() ? "ok" : st.message();
  }
  Row Parse(const std::string& bytes) const {
    Row row{Value::String("left over")};
    Status st = format->Deserialize(bytes, row);
    if (!st.ok()) FAIL(st.message());
    return row;
  }
  std::string ReadError(const std::string& bytes) const {
    Row row;
    Status st = format->Deserialize(bytes, row);
    return st.ok() ? "ok" : st.message();
  }
};

// Bytes from a list of byte values.
std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

std::string MakeError(std::vector<TypePtr> types, FormatOptions options = {}) {
  std::vector<Column> cols;
  for (size_t i = 0; i < types.size(); ++i) cols.push_back(Column{std::string(1, static_cast<char>('A' + i)), types[i]});
  auto made = MakeFormat("protobuf_nosr", cols, options);
  return made.ok() ? "ok" : made.status().message();
}

Value D(const char* text) { return Value::Dec(ParseDecimal(text).value()); }

}  // namespace

TEST_CASE("protobuf: scalars are fields 1..n in column order", "[io][protobuf]") {
  Proto p({Type::Bigint(), Type::String()});
  // insert-into.json's {"A": 123, "B": "falcon"}: 08 7B, then 12 06 "falcon".
  const std::string bytes = B({0x08, 0x7B, 0x12, 0x06}) + "falcon";
  CHECK(p.Bytes({Value::Bigint(123), Value::String("falcon")}) == bytes);
  CHECK(p.Parse(bytes) == Row{Value::Bigint(123), Value::String("falcon")});
  CHECK(p.format->name() == "PROTOBUF_NOSR");
  CHECK_FALSE(p.format->SerializesToNull({Value::Null(), Value::Null()}));
}

TEST_CASE("protobuf: varints, negatives, doubles, booleans, bytes", "[io][protobuf]") {
  Proto p({Type::Int(), Type::Bigint(), Type::Double(), Type::Boolean(), Type::Bytes()});
  // 300 = 0b10_0101100 -> AC 02.
  CHECK(p.Bytes({Value::Int(300), Value::Null(), Value::Null(), Value::Null(), Value::Null()}) == B({0x08, 0xAC, 0x02}));
  // INT -1 is sign-extended: nine FF bytes then 01.
  const std::string minus_one = B({0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
  CHECK(p.Bytes({Value::Int(-1), Value::Null(), Value::Null(), Value::Null(), Value::Null()}) == minus_one);
  CHECK(p.Parse(minus_one)[0] == Value::Int(-1));
  // BIGINT -2 in field 2: FE FF .. FF 01.
  CHECK(p.Bytes({Value::Null(), Value::Bigint(-2), Value::Null(), Value::Null(), Value::Null()}) ==
        B({0x10, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
  // DOUBLE 1.5 = 0x3FF8000000000000, fixed64 (wire type 1) little-endian, field 3 -> tag 19.
  const std::string one_and_half = B({0x19, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F});
  CHECK(p.Bytes({Value::Null(), Value::Null(), Value::Double(1.5), Value::Null(), Value::Null()}) == one_and_half);
  CHECK(p.Parse(one_and_half)[2] == Value::Double(1.5));
  // -0.0 is not the default 0.0, so it is written: sign bit only.
  CHECK(p.Bytes({Value::Null(), Value::Null(), Value::Double(-0.0), Value::Null(), Value::Null()}) ==
        B({0x19, 0, 0, 0, 0, 0, 0, 0, 0x80}));
  // BOOLEAN true in field 4: 20 01.
  CHECK(p.Bytes({Value::Null(), Value::Null(), Value::Null(), Value::Boolean(true), Value::Null()}) == B({0x20, 0x01}));
  // bytes.json's "dmFyaWF0aW9ucw==" is "variations": field 5, wire type 2 -> 2A 0A.
  const std::string variations = B({0x2A, 0x0A}) + "variations";
  CHECK(p.Bytes({Value::Null(), Value::Null(), Value::Null(), Value::Null(), Value::Blob("variations")}) == variations);
  CHECK(p.Parse(variations)[4] == Value::Blob("variations"));
}

TEST_CASE("protobuf: NULL and defaults are left out and read back as defaults", "[io][protobuf]") {
  // protobuf.json "protobuf_nosr primitives with null": nulls come back as 0, 0, 0.0, false, "".
  Proto p({Type::Int(), Type::Bigint(), Type::Double(), Type::Boolean(), Type::String()});
  const Row nulls{Value::Null(), Value::Null(), Value::Null(), Value::Null(), Value::Null()};
  const Row defaults{Value::Int(0), Value::Bigint(0), Value::Double(0.0), Value::Boolean(false), Value::String("")};
  CHECK(p.Bytes(nulls).empty());
  CHECK(p.Bytes(defaults).empty());
  CHECK(p.Parse("") == defaults);
}

TEST_CASE("protobuf: DECIMAL is confluent.type.Decimal", "[io][protobuf]") {
  Proto p({Type::Decimal(4, 2)});
  // 12.34: unscaled 1234 = 04 D2; {1: bytes, 2: precision 4, 3: scale 2}, 8 bytes in field 1.
  const std::string twelve = B({0x0A, 0x08, 0x0A, 0x02, 0x04, 0xD2, 0x10, 0x04, 0x18, 0x02});
  CHECK(p.Bytes({D("12.34")}) == twelve);
  CHECK(p.Parse(twelve) == Row{D("12.34")});
  // -1.00: unscaled -100 is the single byte 9C; precision 3.
  const std::string minus = B({0x0A, 0x07, 0x0A, 0x01, 0x9C, 0x10, 0x03, 0x18, 0x02});
  CHECK(p.Bytes({D("-1.00")}) == minus);
  CHECK(p.Parse(minus) == Row{D("-1.00")});
  // 0.00: BigInteger.ZERO.toByteArray() is one 00 byte; precision 1.
  CHECK(p.Bytes({D("0.00")}) == B({0x0A, 0x07, 0x0A, 0x01, 0x00, 0x10, 0x01, 0x18, 0x02}));
  // A NULL DECIMAL is left out and reads back as NULL (a message field has presence).
  CHECK(p.Bytes({Value::Null()}).empty());
  CHECK(p.Parse("") == Row{Value::Null()});
  // decimal.json "should not trim trailing zeros": 10.0 written at another scale (1) reads
  // back at the column's: unscaled 100 = 64, precision 3, scale 1.
  CHECK(p.Parse(B({0x0A, 0x07, 0x0A, 0x01, 0x64, 0x10, 0x03, 0x18, 0x01})) == Row{D("10.00")});
  // Too many integer digits for DECIMAL(4,2): 123.4 (unscaled 1234, scale 1).
  CHECK_THAT(p.ReadError(B({0x0A, 0x08, 0x0A, 0x02, 0x04, 0xD2, 0x10, 0x04, 0x18, 0x01})),
             Catch::Contains("column: `A`"));
  // No value at all: new BigInteger(new byte[0]) fails.
  CHECK_THAT(p.ReadError(B({0x0A, 0x02, 0x10, 0x01})), Catch::Contains("Zero length BigInteger"));

  Proto q({Type::Decimal(3, 0)});
  // 128 needs a leading 00 to stay positive: 00 80; scale 0 is left out.
  CHECK(q.Bytes({D("128")}) == B({0x0A, 0x06, 0x0A, 0x02, 0x00, 0x80, 0x10, 0x03}));
  CHECK(q.Parse(B({0x0A, 0x06, 0x0A, 0x02, 0x00, 0x80, 0x10, 0x03})) == Row{D("128")});
}

TEST_CASE("protobuf: TIMESTAMP, DATE and TIME are Google's messages", "[io][protobuf]") {
  Proto ts({Type::Timestamp()});
  // 1500 ms: seconds 1 (08 01), nanos 500000000 = 80 CA B5 EE 01 (10 ...).
  const std::string t1500 = B({0x0A, 0x08, 0x08, 0x01, 0x10, 0x80, 0xCA, 0xB5, 0xEE, 0x01});
  CHECK(ts.Bytes({Value::Ts(1500)}) == t1500);
  CHECK(ts.Parse(t1500) == Row{Value::Ts(1500)});
  // -1000 ms: seconds -1, nanos 0 left out.
  const std::string minus = B({0x0A, 0x0B, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
  CHECK(ts.Bytes({Value::Ts(-1000)}) == minus);
  CHECK(ts.Parse(minus) == Row{Value::Ts(-1000)});
  // -1 ms is seconds -1 and nanos 999000000: it reads back the same.
  CHECK(ts.Parse(ts.Bytes({Value::Ts(-1)})) == Row{Value::Ts(-1)});
  // The epoch is an empty Timestamp, present.
  CHECK(ts.Bytes({Value::Ts(0)}) == B({0x0A, 0x00}));
  CHECK(ts.Parse(B({0x0A, 0x00})) == Row{Value::Ts(0)});

  Proto date({Type::Date()});
  // date.json: 10 -> 1970-01-11 (year 1970 = B2 0F), -10 -> 1969-12-22.
  const std::string d10 = B({0x0A, 0x07, 0x08, 0xB2, 0x0F, 0x10, 0x01, 0x18, 0x0B});
  const std::string dm10 = B({0x0A, 0x07, 0x08, 0xB1, 0x0F, 0x10, 0x0C, 0x18, 0x16});
  CHECK(date.Bytes({Value::Dt(10)}) == d10);
  CHECK(date.Bytes({Value::Dt(-10)}) == dm10);
  CHECK(date.Parse(d10) == Row{Value::Dt(10)});
  CHECK(date.Parse(dm10) == Row{Value::Dt(-10)});
  // GregorianCalendar switches to Julian before 1582-10-15 (day -141427): the day before is
  // 1582-10-04 (year 1582 = AE 0C).
  const std::string cutover = B({0x0A, 0x07, 0x08, 0xAE, 0x0C, 0x10, 0x0A, 0x18, 0x0F});
  const std::string before = B({0x0A, 0x07, 0x08, 0xAE, 0x0C, 0x10, 0x0A, 0x18, 0x04});
  CHECK(date.Bytes({Value::Dt(-141427)}) == cutover);
  CHECK(date.Bytes({Value::Dt(-141428)}) == before);
  CHECK(date.Parse(before) == Row{Value::Dt(-141428)});
  // Month 13 is no date (a non-lenient calendar).
  CHECK_THAT(date.ReadError(B({0x0A, 0x07, 0x08, 0xB2, 0x0F, 0x10, 0x0D, 0x18, 0x01})),
             Catch::Contains("not a valid date"));

  Proto time({Type::Time()});
  // 01:02:03.004 = 3723004 ms; nanos 4000000 = 80 92 F4 01.
  const std::string t = B({0x0A, 0x0B, 0x08, 0x01, 0x10, 0x02, 0x18, 0x03, 0x20, 0x80, 0x92, 0xF4, 0x01});
  CHECK(time.Bytes({Value::Tm(3723004)}) == t);
  CHECK(time.Parse(t) == Row{Value::Tm(3723004)});
  CHECK_THAT(time.ReadError(B({0x0A, 0x02, 0x08, 0x18})), Catch::Contains("not a valid time"));  // hour 24
}

TEST_CASE("protobuf: ARRAY is repeated, numbers packed", "[io][protobuf]") {
  Proto ints({Type::Array(Type::Int())});
  // [1, -1, 0]: one length-delimited field of 1 + 10 + 1 bytes.
  const std::string packed = B({0x0A, 0x0C, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00});
  const Row row{Value::Array({Value::Int(1), Value::Int(-1), Value::Int(0)})};
  CHECK(ints.Bytes(row) == packed);
  CHECK(ints.Parse(packed) == row);
  // Unpacked elements are read too, and a second packed run appends.
  CHECK(ints.Parse(B({0x08, 0x01, 0x08, 0x02, 0x0A, 0x01, 0x03})) ==
        Row{Value::Array({Value::Int(1), Value::Int(2), Value::Int(3)})});
  // Empty and NULL arrays are not written; they read back empty.
  CHECK(ints.Bytes({Value::Array({})}).empty());
  CHECK(ints.Bytes({Value::Null()}).empty());
  CHECK(ints.Parse("") == Row{Value::Array({})});
  // A NULL element has no protobuf form.
  CHECK_THAT(ints.WriteError({Value::Array({Value::Int(1), Value::Null()})}), Catch::Contains("NULL element"));

  Proto strings({Type::Array(Type::String())});
  // ["a", ""]: one field per element, the empty string kept.
  const std::string s = B({0x0A, 0x01, 0x61, 0x0A, 0x00});
  CHECK(strings.Bytes({Value::Array({Value::String("a"), Value::String("")})}) == s);
  CHECK(strings.Parse(s) == Row{Value::Array({Value::String("a"), Value::String("")})});
}

TEST_CASE("protobuf: MAP is repeated entries {key = 1; value = 2}", "[io][protobuf]") {
  Proto p({Type::Map(Type::String(), Type::Int())});
  // {"k": 1}: entry 0A 01 6B 10 01.
  const std::string m = B({0x0A, 0x05, 0x0A, 0x01, 0x6B, 0x10, 0x01});
  const Row row{Value::Map({{Value::String("k"), Value::Int(1)}})};
  CHECK(p.Bytes(row) == m);
  CHECK(p.Parse(m) == row);
  // {"": 0}: both default, an empty entry.
  CHECK(p.Bytes({Value::Map({{Value::String(""), Value::Int(0)}})}) == B({0x0A, 0x00}));
  CHECK(p.Parse(B({0x0A, 0x00})) == Row{Value::Map({{Value::String(""), Value::Int(0)}})});
  // A key met again keeps the last value.
  CHECK(p.Parse(m + B({0x0A, 0x05, 0x0A, 0x01, 0x6B, 0x10, 0x02})) ==
        Row{Value::Map({{Value::String("k"), Value::Int(2)}})});
  CHECK(p.Parse("") == Row{Value::Map({})});
}

TEST_CASE("protobuf: STRUCT is a nested message", "[io][protobuf]") {
  Proto p({Type::Struct({{"X", Type::String()}, {"Y", Type::Bigint()}})});
  // {X: "x", Y: NULL}: 0A 03 {0A 01 78}.
  const std::string s = B({0x0A, 0x03, 0x0A, 0x01, 0x78});
  CHECK(p.Bytes({Value::Struct({Value::String("x"), Value::Null()})}) == s);
  CHECK(p.Parse(s) == Row{Value::Struct({Value::String("x"), Value::Bigint(0)})});
  // A NULL struct is absent and reads back NULL; a struct of NULLs is present and empty.
  CHECK(p.Bytes({Value::Null()}).empty());
  CHECK(p.Parse("") == Row{Value::Null()});
  CHECK(p.Bytes({Value::Struct({Value::Null(), Value::Null()})}) == B({0x0A, 0x00}));
  // The struct met twice merges: X from the first, Y from the second (field 2 = 7).
  CHECK(p.Parse(s + B({0x0A, 0x02, 0x10, 0x07})) == Row{Value::Struct({Value::String("x"), Value::Bigint(7)})});
  // Lengths of 128 and more take two bytes: a 200-byte string is C8 01, its struct 203 = CB 01.
  const std::string long_text(200, 'z');
  const std::string nested = B({0x0A, 0xCB, 0x01, 0x0A, 0xC8, 0x01}) + long_text;
  CHECK(p.Bytes({Value::Struct({Value::String(long_text), Value::Null()})}) == nested);
  CHECK(p.Parse(nested) == Row{Value::Struct({Value::String(long_text), Value::Bigint(0)})});
}

TEST_CASE("protobuf: a single unwrapped column is the root message", "[io][protobuf]") {
  FormatOptions key;
  key.is_key = true;
  Proto k({Type::String()}, key);
  // google.protobuf.StringValue {string value = 1}.
  CHECK(k.Bytes({Value::String("k")}) == B({0x0A, 0x01, 0x6B}));
  CHECK(k.Parse(B({0x0A, 0x01, 0x6B})) == Row{Value::String("k")});
  CHECK(k.format->SerializesToNull({Value::Null()}));
  CHECK_FALSE(k.format->SerializesToNull({Value::String("")}));

  FormatOptions unwrapped;
  unwrapped.wrap_single_value = false;
  Proto s({Type::Struct({{"X", Type::Int()}})}, unwrapped);
  CHECK(s.Bytes({Value::Struct({Value::Int(5)})}) == B({0x08, 0x05}));
  CHECK(s.Parse(B({0x08, 0x05})) == Row{Value::Struct({Value::Int(5)})});

  // A single value column is wrapped by default: field 1 of the row's message.
  Proto v({Type::Int()});
  CHECK(v.Bytes({Value::Int(5)}) == B({0x08, 0x05}));
  CHECK(v.Bytes({Value::Null()}).empty());
  CHECK_FALSE(v.format->SerializesToNull({Value::Null()}));
}

TEST_CASE("protobuf: reading skips what it does not know and reports what it cannot read", "[io][protobuf]") {
  Proto p({Type::Bigint(), Type::String()});
  // Field 9 (varint) and a group 10 are unknown; field 1 as length-delimited has the wrong wire
  // type and is skipped too, so A keeps its default.
  CHECK(p.Parse(B({0x48, 0x05, 0x53, 0x08, 0x01, 0x54, 0x0A, 0x01, 0x00, 0x12, 0x01, 0x62})) ==
        Row{Value::Bigint(0), Value::String("b")});
  // The last of repeated scalar occurrences wins.
  CHECK(p.Parse(B({0x08, 0x01, 0x08, 0x02})) == Row{Value::Bigint(2), Value::String("")});
  CHECK_THAT(p.ReadError(B({0x08})), Catch::Contains("truncated"));
  CHECK_THAT(p.ReadError(B({0x12, 0x05, 0x61})), Catch::Contains("column: `B`"));
  CHECK_THAT(p.ReadError(B({0x12, 0x01, 0xFF})), Catch::Contains("invalid UTF-8"));
  CHECK_THAT(p.ReadError(B({0x00})), Catch::Contains("field number of 0"));
  CHECK_THAT(p.ReadError(B({0x0F})), Catch::Contains("invalid wire type"));
}

TEST_CASE("protobuf: schemas without a protobuf form are rejected", "[io][protobuf]") {
  CHECK(MakeError({Type::Map(Type::Int(), Type::String())}) ==
        "PROTOBUF format only supports MAP types with STRING keys. See "
        "https://github.com/confluentinc/ksql/issues/6177.");
  CHECK_THAT(MakeError({Type::Array(Type::Array(Type::Int()))}), Catch::Contains("ARRAY of ARRAYs"));
  FormatOptions unwrapped;
  unwrapped.wrap_single_value = false;
  CHECK_THAT(MakeError({Type::Array(Type::Int())}, unwrapped), Catch::Contains("Unsupported root schema of type ARRAY"));
  CHECK(MakeError({Type::Array(Type::Int())}) == "ok");
}

TEST_CASE("protobuf: damaged bytes give an error or a row, never a crash", "[io][protobuf]") {
  Proto p({Type::Int(), Type::String(), Type::Array(Type::Double()),
           Type::Map(Type::String(), Type::Struct({{"X", Type::Date()}, {"Y", Type::Array(Type::Time())}})),
           Type::Decimal(10, 3), Type::Timestamp(), Type::Struct({{"Z", Type::Bytes()}})});
  const std::string valid = p.Bytes(
      {Value::Int(-7), Value::String("text"), Value::Array({Value::Double(2.5), Value::Double(-1)}),
       Value::Map({{Value::String("m"), Value::Struct({Value::Dt(19000), Value::Array({Value::Tm(1000)})})}}),
       D("1234567.891"), Value::Ts(1700000000123), Value::Struct({Value::Blob("zz")})});
  REQUIRE(p.ReadError(valid) == "ok");
  uint64_t seed = 42;
  auto next = [&seed]() {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(seed >> 33);
  };
  size_t read = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = valid;
    if (round % 2 == 0) {
      // A few bytes of the valid message changed, or the message cut short.
      for (uint32_t n = next() % 4 + 1; n > 0; --n) bytes[next() % bytes.size()] = static_cast<char>(next());
      if (next() % 3 == 0) bytes.resize(next() % bytes.size());
    } else {
      bytes.resize(next() % 24);
      for (char& c : bytes) c = static_cast<char>(next());
    }
    Row row;
    if (p.format->Deserialize(bytes, row).ok()) ++read;
  }
  CHECK(read > 0);
}
