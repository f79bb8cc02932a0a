// Expected bytes come from ksqlDB's QTT files (formats.json, json.json, delimited.json,
// decimal.json, bytes-and-strings.json, string.json, literals.json, group-by.json), from
// Kafka's serializer encodings, and from ksqlDB's Jackson/Commons CSV behaviour worked by hand.
#include "engine/io/format.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "engine/common/decimal_ops.h"
#include "engine/io/json_format.h"

using namespace eddy;

namespace {

Column Col(std::string name, TypePtr type, ColumnRole role = ColumnRole::kValue) {
  return Column{std::move(name), std::move(type), role, ""};
}

std::unique_ptr<Format> Make(std::string_view name, std::vector<Column> cols, FormatOptions o = {}) {
  auto r = MakeFormat(name, cols, o);
  if (!r.ok()) FAIL(r.status().message());
  return std::move(r).value();
}

std::string MakeError(std::string_view name, std::vector<Column> cols, FormatOptions o = {}) {
  auto r = MakeFormat(name, cols, o);
  return r.ok() ? "ok" : r.status().message();
}

Row Read(const Format& f, std::string_view bytes) {
  Row row;
  DeserializeOutcome outcome;
  Status st = f.Deserialize(bytes, row, outcome);
  if (!st.ok()) FAIL(st.message());
  REQUIRE(outcome == DeserializeOutcome::kRow);
  return row;
}

std::string ReadError(const Format& f, std::string_view bytes) {
  Row row;
  Status st = f.Deserialize(bytes, row);
  return st.ok() ? "ok" : st.message();
}

std::string Write(const Format& f, const Row& row) {
  std::string out = "garbage from before";
  Status st = f.Serialize(row, out);
  if (!st.ok()) FAIL(st.message());
  return out;
}

Decimal Dec(const char* text) { return ParseDecimal(text).value(); }

}  // namespace

// ---- MakeFormat ----------------------------------------------------------------------------

TEST_CASE("MakeFormat rejects what ksqlDB rejects", "[format]") {
  CHECK(MakeError("FOO", {}) == "Unknown format: FOO");
  CHECK(MakeError("none", {Col("K", Type::String(), ColumnRole::kKey)}) ==
        "The 'NONE' format can only be used when no columns are defined. Got: [`K` STRING KEY]");
  CHECK(MakeError("NONE", {Col("FOO", Type::Int())}) ==
        "The 'NONE' format can only be used when no columns are defined. Got: [`FOO` INTEGER]");
  CHECK(MakeError("KAFKA", {Col("K", Type::Boolean(), ColumnRole::kKey)}) ==
        "The 'KAFKA' format does not support type 'BOOLEAN'");
  CHECK(MakeError("KAFKA", {Col("K", Type::Decimal(21, 19), ColumnRole::kKey)}) ==
        "The 'KAFKA' format does not support type 'DECIMAL'");
  CHECK(MakeError("KAFKA", {Col("A", Type::Int()), Col("B", Type::Int())}).rfind(
            "The 'KAFKA' format only supports a single field. Got: [`A` INTEGER, `B` INTEGER]", 0) == 0);
  CHECK(MakeError("DELIMITED", {Col("FOO", Type::Array(Type::Int()))}) ==
        "The 'DELIMITED' format does not support type 'ARRAY', column: `FOO`");
  CHECK(MakeError("DELIMITED", {Col("FOO", Type::Struct({{"F1", Type::Double()}}))}) ==
        "The 'DELIMITED' format does not support type 'STRUCT', column: `FOO`");
  FormatOptions wrap;
  wrap.wrap_single_value = true;
  CHECK(MakeError("DELIMITED", {Col("FOO", Type::Int())}, wrap) ==
        "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
  CHECK(MakeError("JSON", {Col("FOO", Type::Map(Type::Int(), Type::Double()))}) ==
        "JSON only supports MAP types with STRING keys");
  CHECK(MakeError("JSON", {Col("FOO", Type::Array(Type::Map(Type::Int(), Type::Double())))}) ==
        "JSON only supports MAP types with STRING keys");
  auto avro = MakeFormat("Avro", {Col("FOO", Type::Int())}, {});
  REQUIRE_FALSE(avro.ok());
  CHECK(avro.status().code() == StatusCode::kUnsupported);
  CHECK(Make("Delimited", {Col("FOO", Type::Int())})->name() == "DELIMITED");
}

TEST_CASE("NONE reads and writes nothing", "[format]") {
  auto f = Make("NONE", {});
  CHECK(Read(*f, "data that should be ignored").empty());
  CHECK(f->SerializesToNull({}));
  CHECK(Write(*f, {}).empty());
}

TEST_CASE("Header columns are not in the bytes: formats serve the other columns", "[format][headers]") {
  auto headers_type = Type::Array(Type::Struct({{"KEY", Type::String()}, {"VALUE", Type::Bytes()}}));
  // K STRING KEY, H ARRAY<STRUCT<KEY STRING, VALUE BYTES>> HEADERS, V BIGINT, H1 BYTES HEADER('a')
  std::vector<Column> value{Col("H", headers_type, ColumnRole::kHeader), Col("V", Type::Bigint()),
                            Column{"H1", Type::Bytes(), ColumnRole::kHeader, "a"}};
  auto json = Make("JSON", value);
  // A member named like a header column is not read into it.
  Row row = Read(*json, R"({"V": 7, "H": "x", "H1": "IQ=="})");
  REQUIRE(row.size() == 3);
  CHECK(row[0].is_null());
  CHECK(row[1] == Value::Bigint(7));
  CHECK(row[2].is_null());
  CHECK(Write(*json, {Value::Array({}), Value::Bigint(7), Value::Blob("!")}) == R"({"V":7})");
  // KAFKA and NONE count only the serialized columns.
  auto kafka = Make("KAFKA", value);
  CHECK(Write(*kafka, {Value::Null(), Value::Bigint(1), Value::Null()}) == std::string("\0\0\0\0\0\0\0\x01", 8));
  Row k = Read(*kafka, std::string("\0\0\0\0\0\0\0\x02", 8));
  REQUIRE(k.size() == 3);
  CHECK(k[1] == Value::Bigint(2));
  auto none = Make("NONE", {Col("H", headers_type, ColumnRole::kHeader)});
  CHECK(none->SerializesToNull({Value::Null()}));
}

// ---- KAFKA -------------------------------------------------------------------------------

TEST_CASE("KAFKA encodes one primitive as Kafka's serializers do", "[format][kafka]") {
  FormatOptions key;
  key.is_key = true;
  auto i = Make("KAFKA", {Col("K", Type::Int(), ColumnRole::kKey)}, key);
  CHECK(Write(*i, {Value::Int(1)}) == std::string("\x00\x00\x00\x01", 4));
  CHECK(Write(*i, {Value::Int(-2)}) == std::string("\xff\xff\xff\xfe", 4));
  CHECK(Read(*i, std::string("\x00\x00\x01\x00", 4))[0] == Value::Int(256));
  CHECK(ReadError(*i, "abc") == "Size of data received by IntegerDeserializer is not 4");

  auto l = Make("KAFKA", {Col("K", Type::Bigint(), ColumnRole::kKey)}, key);
  const std::string l_bytes("\x0d\xdc\xb9\xf1\xcc\xd7\x63\xb3", 8);  // 998877665544332211
  CHECK(Write(*l, {Value::Bigint(998877665544332211LL)}) == l_bytes);
  CHECK(Read(*l, l_bytes)[0] == Value::Bigint(998877665544332211LL));
  CHECK(ReadError(*l, "1234") == "Size of data received by LongDeserializer is not 8");

  auto d = Make("KAFKA", {Col("K", Type::Double(), ColumnRole::kKey)}, key);
  CHECK(Write(*d, {Value::Double(1.0)}) == std::string("\x3f\xf0\x00\x00\x00\x00\x00\x00", 8));
  CHECK(Write(*d, {Value::Double(-std::nan(""))}) ==
        std::string("\x7f\xf8\x00\x00\x00\x00\x00\x00", 8));  // doubleToLongBits' NaN
  CHECK(Read(*d, std::string("\x40\x09\x21\xfb\x54\x44\x2d\x18", 8))[0] ==
        Value::Double(3.141592653589793));

  auto s = Make("KAFKA", {Col("K", Type::String(), ColumnRole::kKey)}, key);
  CHECK(Write(*s, {Value::String("foo")}) == "foo");
  CHECK(Read(*s, "")[0] == Value::String(""));  // an empty key is "", not NULL
  CHECK(s->SerializesToNull({Value::Null()}));
  CHECK_FALSE(s->SerializesToNull({Value::String("")}));

  auto b = Make("KAFKA", {Col("K", Type::Bytes(), ColumnRole::kKey)}, key);
  CHECK(Read(*b, std::string("\x00\x01", 2))[0] == Value::Blob(std::string("\x00\x01", 2)));

  auto none = Make("KAFKA", {}, key);
  CHECK(none->SerializesToNull({}));
  CHECK(Read(*none, "ignored").empty());
}

// ---- JSON: reading -----------------------------------------------------------------------

TEST_CASE("JSON matches member names to columns", "[format][json]") {
  auto f = Make("JSON", {Col("FOO", Type::Int()), Col("BAR", Type::String())});
  Row r = Read(*f, R"({"foo": 10, "extra": [1, {"x": 2}], "Bar": "b"})");
  CHECK(r[0] == Value::Int(10));
  CHECK(r[1] == Value::String("b"));
  r = Read(*f, R"({"FOO": 1})");
  CHECK(r[0] == Value::Int(1));
  CHECK(r[1].is_null());  // missing member
  // An exact name beats a case-insensitive one, in either order.
  CHECK(Read(*f, R"({"FOO": 1, "foo": 2})")[0] == Value::Int(1));
  CHECK(Read(*f, R"({"foo": 2, "FOO": 1})")[0] == Value::Int(1));
  // Among case-insensitive ones the last wins (ksqlDB's upper-cased map).
  CHECK(Read(*f, R"({"foo": 2, "Foo": 3})")[0] == Value::Int(3));
  CHECK(Read(*f, "{}")[0].is_null());
}

TEST_CASE("JSON: quoted lower-case columns match exactly only", "[format][json]") {
  auto f = Make("JSON", {Col("foo", Type::Int())});
  CHECK(Read(*f, R"({"foo": 1})")[0] == Value::Int(1));
  CHECK(Read(*f, R"({"FOO": 1})")[0].is_null());
  // Columns `a` and `A`: member "a" feeds both (exactly and case-insensitively), "A" only A.
  auto g = Make("JSON", {Col("a", Type::Int()), Col("A", Type::String())});
  Row r = Read(*g, R"({"a": 1})");
  CHECK(r[0] == Value::Int(1));
  CHECK(r[1] == Value::String("1"));
  r = Read(*g, R"({"A": "x", "a": 2})");
  CHECK(r[0] == Value::Int(2));
  CHECK(r[1] == Value::String("x"));
}

TEST_CASE("JSON numeric coercions follow Jackson", "[format][json]") {
  auto f = Make("JSON", {Col("I", Type::Int()), Col("L", Type::Bigint()), Col("D", Type::Double())});
  Row r = Read(*f, R"({"I": 1.9, "L": -1.9, "D": 10})");
  CHECK(r[0] == Value::Int(1));  // intValue() truncates
  CHECK(r[1] == Value::Bigint(-1));
  CHECK(r[2] == Value::Double(10.0));
  r = Read(*f, R"({"I": 4294967297, "L": 1e3, "D": "1.5"})");
  CHECK(r[0] == Value::Int(1));  // low 32 bits
  CHECK(r[1] == Value::Bigint(1000));
  CHECK(r[2] == Value::Double(1.5));
  r = Read(*f, R"({"I": "12", "L": "-998877665544332211", "D": 1e400})");
  CHECK(r[0] == Value::Int(12));
  CHECK(r[1] == Value::Bigint(-998877665544332211LL));
  CHECK(r[2] == Value::Double(std::numeric_limits<double>::infinity()));
  CHECK(Read(*f, R"({"L": 18446744073709551617})")[1] == Value::Bigint(1));  // BigInteger wraps
  CHECK(ReadError(*f, R"({"I": "1.5"})") == "Can't coerce string to type. targetType: INTEGER, path: $.I");
  CHECK(ReadError(*f, R"({"D": "x"})") == "Can't coerce string to type. targetType: DOUBLE, path: $.D");
  CHECK(ReadError(*f, R"({"I": true})") ==
        "Can't convert type. sourceType: BooleanNode, requiredType: INTEGER, path: $.I");
  CHECK(ReadError(*f, R"({"L": [1]})") ==
        "Can't convert type. sourceType: ArrayNode, requiredType: BIGINT, path: $.L");
}

TEST_CASE("JSON into BOOLEAN and STRING", "[format][json]") {
  auto f = Make("JSON", {Col("B", Type::Boolean()), Col("S", Type::String())});
  CHECK(Read(*f, R"({"B": true})")[0] == Value::Boolean(true));
  CHECK(ReadError(*f, R"({"B": "true"})") ==
        "Can't convert type. sourceType: TextNode, requiredType: BOOLEAN, path: $.B");
  CHECK(ReadError(*f, R"({"B": 1})") ==
        "Can't convert type. sourceType: IntNode, requiredType: BOOLEAN, path: $.B");
  auto s = [&](std::string_view member) {
    return Read(*f, "{\"S\": " + std::string(member) + "}")[1];
  };
  CHECK(s(R"("text")") == Value::String("text"));
  CHECK(s(R"("\u00e9\n")") == Value::String("\xC3\xA9\n"));
  CHECK(s("10") == Value::String("10"));
  CHECK(s("-0") == Value::String("0"));
  CHECK(s("1.50") == Value::String("1.50"));  // BigDecimal.toString keeps the scale
  CHECK(s("1e5") == Value::String("1E+5"));
  CHECK(s("0.0000001") == Value::String("1E-7"));
  CHECK(s("true") == Value::String("true"));
  CHECK(s(R"({"b": 1, "a": [1, 2.0, "x"]})") == Value::String(R"({"b":1,"a":[1,2.0,"x"]})"));
  CHECK(s(R"([1, "x", null, [2, "y"], {"k": "v"}])") ==
        Value::String(R"([1, x, null, [2, y], {"k":"v"}])"));
  CHECK(s("null").is_null());
}

TEST_CASE("JSON into DECIMAL must fit without rounding", "[format][json]") {
  auto f = Make("JSON", {Col("DEC", Type::Decimal(4, 2))});
  CHECK(Read(*f, R"({"DEC": 10.1})")[0] == Value::Dec(Decimal{1010, 2}));
  CHECK(Read(*f, R"({"DEC": 10})")[0] == Value::Dec(Decimal{1000, 2}));
  CHECK(Read(*f, R"({"dec": "-0.5"})")[0] == Value::Dec(Decimal{-50, 2}));
  CHECK(ReadError(*f, R"({"DEC": 10.123})") ==
        "Cannot fit decimal '10.123' into DECIMAL(4, 2) without rounding. (Requires 5,3), path: $.DEC");
  CHECK(ReadError(*f, R"({"DEC": 100})") ==
        "Numeric field overflow: A field with precision 4 and scale 2 must round to an absolute value "
        "less than 10^2. Got 100, path: $.DEC");
  CHECK(ReadError(*f, R"({"DEC": true})") ==
        "Can't convert type. sourceType: BooleanNode, requiredType: DECIMAL(4, 2), path: $.DEC");
  CHECK(ReadError(*f, R"({"DEC": 1e-2000000000})").rfind("Cannot fit decimal '1E-2000000000'", 0) == 0);
  // More digits than a double holds survive exactly.
  auto g = Make("JSON", {Col("V", Type::Decimal(33, 16))});
  CHECK(Read(*g, R"({"V": 12345678987654321.2345678987654321})")[0] ==
        Value::Dec(Dec("12345678987654321.2345678987654321")));
}

TEST_CASE("JSON into BYTES, TIMESTAMP, DATE, TIME", "[format][json]") {
  auto f = Make("JSON", {Col("B", Type::Bytes()), Col("TS", Type::Timestamp()),
                         Col("D", Type::Date()), Col("T", Type::Time())});
  Row r = Read(*f, R"({"B": "dmFyaWF0aW9ucw==", "TS": 1651182287943, "D": -10, "T": 10})");
  CHECK(r[0] == Value::Blob("variations"));
  CHECK(r[1] == Value::Ts(1651182287943LL));
  CHECK(r[2] == Value::Dt(-10));
  CHECK(r[3] == Value::Tm(10));
  CHECK(Read(*f, R"({"TS": "10"})")[1] == Value::Ts(10));
  CHECK(ReadError(*f, R"({"B": "not base64!"})") ==
        "Value is not a valid Base64 encoded string: not base64!, path: $.B");
  CHECK(ReadError(*f, R"({"B": 12})") ==
        "Can't convert type. sourceType: IntNode, requiredType: BYTES, path: $.B");
}

TEST_CASE("JSON arrays, maps and structs", "[format][json]") {
  auto f = Make("JSON", {Col("A", Type::Array(Type::String())),
                         Col("M", Type::Map(Type::String(), Type::Int())),
                         Col("S", Type::Struct({{"F", Type::Double()}, {"G", Type::Array(Type::Int())}}))});
  Row r = Read(*f, R"({"a": [1, "b", null], "m": {"a": 1, "b": 2, "c": null, "a": 3},
                        "s": {"f": 45.67, "other": 1}})");
  CHECK(r[0] == Value::Array({Value::String("1"), Value::String("b"), Value::Null()}));
  CHECK(r[1] == Value::Map({{Value::String("a"), Value::Int(3)},
                            {Value::String("b"), Value::Int(2)},
                            {Value::String("c"), Value::Null()}}));
  CHECK(r[2] == Value::Struct({Value::Double(45.67), Value::Null()}));
  CHECK(ReadError(*f, R"({"S": {"G": [1, "x"]}})") ==
        "Can't coerce string to type. targetType: INTEGER, path: $.S.G[1]");
  CHECK(ReadError(*f, R"({"M": {"k": "v"}})") ==
        "Can't coerce string to type. targetType: INTEGER, path: $.M.k.value");
  CHECK(ReadError(*f, R"({"A": {}})") ==
        "Can't convert type. sourceType: ObjectNode, requiredType: ARRAY<STRING>, path: $.A");
}

TEST_CASE("JSON single values: wrapped, unwrapped, keys", "[format][json]") {
  auto wrapped = Make("JSON", {Col("V", Type::Int())});
  CHECK(Read(*wrapped, R"({"V": 10})")[0] == Value::Int(10));
  CHECK(ReadError(*wrapped, "10") ==
        "Can't convert type. sourceType: IntNode, requiredType: STRUCT<`V` INTEGER>, path: $");

  FormatOptions unwrap;
  unwrap.wrap_single_value = false;
  auto bare = Make("JSON", {Col("V", Type::Int())}, unwrap);
  CHECK(Read(*bare, "10")[0] == Value::Int(10));
  CHECK(ReadError(*bare, R"("x")") == "Can't coerce string to type. targetType: INTEGER, path: $");
  auto arr = Make("JSON", {Col("FOO", Type::Array(Type::String()))}, unwrap);
  CHECK(Read(*arr, "[1, 2, 3]")[0] ==
        Value::Array({Value::String("1"), Value::String("2"), Value::String("3")}));
  auto st = Make("JSON", {Col("V", Type::Struct({{"A", Type::Double()}}))}, unwrap);
  CHECK(Read(*st, R"({"a": 45.67})")[0] == Value::Struct({Value::Double(45.67)}));

  // A JSON null is a null value as a whole, wrapped or not.
  for (const Format* fmt : {wrapped.get(), bare.get()}) {
    Row row;
    DeserializeOutcome outcome;
    REQUIRE(fmt->Deserialize(" null ", row, outcome).ok());
    CHECK(outcome == DeserializeOutcome::kNullValue);
    REQUIRE(fmt->Deserialize("null", row).ok());
    CHECK(row == Row{Value::Null()});
    // Text that only starts like null is not JSON (the parser judges the type by its first letter).
    CHECK_FALSE(fmt->Deserialize("not json", row, outcome).ok());
    CHECK_FALSE(fmt->Deserialize("nul", row, outcome).ok());
    CHECK_FALSE(fmt->Deserialize("null x", row, outcome).ok());
  }

  FormatOptions key;
  key.is_key = true;
  auto k = Make("JSON", {Col("K", Type::String(), ColumnRole::kKey)}, key);
  CHECK(Read(*k, R"("Hey")")[0] == Value::String("Hey"));
  CHECK(Write(*k, {Value::String("Hey")}) == R"("Hey")");
  auto multi = Make("JSON", {Col("K1", Type::String(), ColumnRole::kKey),
                             Col("K2", Type::String(), ColumnRole::kKey)}, key);
  CHECK(Write(*multi, {Value::String("foo"), Value::String("bar")}) == R"({"K1":"foo","K2":"bar"})");
  auto keyless = Make("JSON", {}, key);
  CHECK(keyless->SerializesToNull({}));
}

TEST_CASE("JSON that is not JSON", "[format][json]") {
  auto f = Make("JSON", {Col("V", Type::Int())});
  CHECK(ReadError(*f, "").rfind("Invalid JSON", 0) == 0);
  CHECK(ReadError(*f, "{\"V\": ").rfind("Invalid JSON", 0) == 0);
  CHECK(ReadError(*f, "{\"V\": 01}").rfind("Invalid JSON", 0) == 0);
  CHECK(ReadError(*f, "\xff\xfe").rfind("Invalid JSON", 0) == 0);
}

// ---- JSON: writing -----------------------------------------------------------------------

TEST_CASE("JSON writes rows as ksqlDB does", "[format][json]") {
  auto f = Make("JSON", {Col("I", Type::Int()), Col("D", Type::Double()), Col("DEC", Type::Decimal(4, 2)),
                         Col("S", Type::String()), Col("N", Type::Bigint())});
  CHECK(Write(*f, {Value::Int(10), Value::Double(5.0), Value::Dec(Decimal{150, 2}),
                   Value::String("a\"b"), Value::Null()}) ==
        R"({"I":10,"D":5.0,"DEC":1.50,"S":"a\"b","N":null})");
  std::string out;
  CHECK_FALSE(f->Serialize({Value::Int(1)}, out).ok());  // wrong column count
}

TEST_CASE("AppendJsonValue", "[format][json]") {
  auto json = [](const Value& v, const TypePtr& t) {
    std::string out;
    AppendJsonValue(v, *t, out);
    return out;
  };
  CHECK(json(Value::Double(1e10), Type::Double()) == "1.0E10");
  CHECK(json(Value::Double(22026.465794806718), Type::Double()) == "22026.465794806718");
  CHECK(json(Value::Double(std::nan("")), Type::Double()) == "\"NaN\"");
  CHECK(json(Value::Double(-std::numeric_limits<double>::infinity()), Type::Double()) == "\"-Infinity\"");
  CHECK(json(Value::Dec(Decimal{1, 7}), Type::Decimal(8, 7)) == "1E-7");
  CHECK(json(Value::Dec(Decimal{100000, 4}), Type::Decimal(6, 4)) == "10.0000");
  CHECK(json(Value::Boolean(false), Type::Boolean()) == "false");
  CHECK(json(Value::Ts(1651182287943LL), Type::Timestamp()) == "1651182287943");
  CHECK(json(Value::Dt(-10), Type::Date()) == "-10");
  CHECK(json(Value::Tm(10), Type::Time()) == "10");
  CHECK(json(Value::Blob("variations"), Type::Bytes()) == "\"dmFyaWF0aW9ucw==\"");
  CHECK(json(Value::Array({Value::Bigint(12), Value::Null()}), Type::Array(Type::Bigint())) == "[12,null]");
  CHECK(json(Value::Map({{Value::String("a"), Value::Double(1.1)}}), Type::Map(Type::String(), Type::Double())) ==
        R"({"a":1.1})");
  CHECK(json(Value::Struct({Value::Int(1), Value::Null()}),
             Type::Struct({{"F0", Type::Int()}, {"f1", Type::String()}})) == R"({"F0":1,"f1":null})");
  CHECK(json(Value::Null(), Type::Int()) == "null");
}

TEST_CASE("JSON unwrapped writes (json.json anonymous serialize cases)", "[format][json]") {
  FormatOptions unwrap;
  unwrap.wrap_single_value = false;
  CHECK(Write(*Make("JSON", {Col("V", Type::Int())}, unwrap), {Value::Int(123)}) == "123");
  CHECK(Write(*Make("JSON", {Col("V", Type::Double())}, unwrap), {Value::Double(9876.54321)}) ==
        "9876.54321");
  CHECK(Write(*Make("JSON", {Col("V", Type::Decimal(4, 2))}, unwrap), {Value::Dec(Dec("99.99"))}) ==
        "99.99");
  CHECK(Write(*Make("JSON", {Col("V", Type::String())}, unwrap), {Value::String("world")}) ==
        "\"world\"");
  CHECK(Write(*Make("JSON", {Col("V", Type::Boolean())}, unwrap), {Value::Null()}) == "null");
  CHECK(Write(*Make("JSON", {Col("V", Type::Struct({{"A", Type::Double()}}))}, unwrap),
              {Value::Struct({Value::Double(76.54)})}) == R"({"A":76.54})");
}

// ---- DELIMITED ---------------------------------------------------------------------------

TEST_CASE("DELIMITED reads CSV fields", "[format][delimited]") {
  auto f = Make("DELIMITED", {Col("ID", Type::Bigint()), Col("NAME", Type::String()),
                              Col("VALUE", Type::Int())});
  CHECK(Read(*f, "0,zero,0") == Row{Value::Bigint(0), Value::String("zero"), Value::Int(0)});
  CHECK(Read(*f, "\"1\",\"a,b\",\"2\"") ==
        Row{Value::Bigint(1), Value::String("a,b"), Value::Int(2)});
  CHECK(Read(*f, "1,\"say \"\"hi\"\"\",2")[1] == Value::String("say \"hi\""));
  CHECK(Read(*f, "1,\"two\nlines\",2")[1] == Value::String("two\nlines"));
  CHECK(Read(*f, "1,,2")[1].is_null());      // an empty field is NULL
  CHECK(Read(*f, "1,\"\",2")[1].is_null());  // so is an empty quoted one
  CHECK(Read(*f, "1,x,")[2].is_null());      // a trailing delimiter ends in an empty field
  CHECK(Read(*f, "\n\n1,x,2\r\nignored,second,record")[0] == Value::Bigint(1));
  CHECK(Read(*f, "1, x ,2")[1] == Value::String(" x "));  // no trimming
  CHECK(Read(*f, "1,\"x\"  ,2")[1] == Value::String("x"));
  CHECK(ReadError(*f, "1,2") == "Column count mismatch on deserialization. expected: 3, got: 2");
  CHECK(ReadError(*f, "") == "No fields in record");
  CHECK(ReadError(*f, "1,\"x\"y,2") == "invalid char between encapsulated token and delimiter");
  CHECK(ReadError(*f, "1,\"x,2") == "EOF reached before encapsulated token finished");
  CHECK(ReadError(*f, "a,x,2") == "Cannot parse 'a' as BIGINT (column `ID`)");
}

TEST_CASE("DELIMITED keys and types (delimited.json)", "[format][delimited]") {
  FormatOptions key;
  key.is_key = true;
  CHECK(Read(*Make("DELIMITED", {Col("K", Type::Boolean(), ColumnRole::kKey)}, key), "\"true\"")[0] ==
        Value::Boolean(true));
  CHECK(Read(*Make("DELIMITED", {Col("K", Type::Boolean(), ColumnRole::kKey)}, key), "yes")[0] ==
        Value::Boolean(false));
  CHECK(Read(*Make("DELIMITED", {Col("K", Type::Int(), ColumnRole::kKey)}, key), "\"22\"")[0] ==
        Value::Int(22));
  CHECK(Read(*Make("DELIMITED", {Col("K", Type::Double(), ColumnRole::kKey)}, key), "\"123.456\"")[0] ==
        Value::Double(123.456));
  auto dec = Make("DELIMITED", {Col("K", Type::Decimal(6, 4), ColumnRole::kKey)}, key);
  CHECK(Write(*dec, Read(*dec, "\"12.0\"")) == "12.0000");
  CHECK(Write(*dec, Read(*dec, "12.3650")) == "12.3650");
  auto two = Make("DELIMITED", {Col("K1", Type::String(), ColumnRole::kKey),
                                Col("K2", Type::String(), ColumnRole::kKey)}, key);
  CHECK(Read(*two, "\"foo\",\"bar\"") == Row{Value::String("foo"), Value::String("bar")});
  FormatOptions semi = key;
  semi.delimiter = ';';
  auto semi_key = Make("DELIMITED", {Col("K1", Type::String(), ColumnRole::kKey),
                                     Col("K2", Type::String(), ColumnRole::kKey)}, semi);
  CHECK(Read(*semi_key, "foo,bar;baz") == Row{Value::String("foo,bar"), Value::String("baz")});

  auto misc = Make("DELIMITED", {Col("B", Type::Bytes()), Col("TS", Type::Timestamp()),
                                 Col("D", Type::Date()), Col("T", Type::Time())});
  const Row r = Read(*misc, "dmFyaWF0aW9ucw==,10,-10,10");
  CHECK(r == Row{Value::Blob("variations"), Value::Ts(10), Value::Dt(-10), Value::Tm(10)});
  CHECK(Write(*misc, r) == "dmFyaWF0aW9ucw==,10,-10,10");
}

TEST_CASE("DELIMITED: an all-NULL key is a null key; a value never is (delimited.json)",
          "[format][delimited]") {
  FormatOptions key;
  key.is_key = true;
  auto one = Make("DELIMITED", {Col("K", Type::Int(), ColumnRole::kKey)}, key);
  CHECK(one->SerializesToNull(Row{Value::Null()}));
  CHECK_FALSE(one->SerializesToNull(Row{Value::Int(0)}));
  auto two = Make("DELIMITED", {Col("K1", Type::String(), ColumnRole::kKey),
                                Col("K2", Type::String(), ColumnRole::kKey)}, key);
  CHECK(two->SerializesToNull(Row{Value::Null(), Value::Null()}));
  CHECK_FALSE(two->SerializesToNull(Row{Value::String("a"), Value::Null()}));
  CHECK(Write(*two, Row{Value::String("a"), Value::Null()}) == "a,");
  auto value = Make("DELIMITED", {Col("V", Type::Int())});
  CHECK_FALSE(value->SerializesToNull(Row{Value::Null()}));
  CHECK(Write(*value, Row{Value::Null()}).empty());
}

TEST_CASE("DELIMITED decimals read and written (delimited.json 'read written decimals')",
          "[format][delimited]") {
  auto f = Make("DELIMITED", {Col("V", Type::Decimal(33, 16))});
  auto round_trip = [&](std::string_view in) { return Write(*f, Read(*f, in)); };
  CHECK(round_trip("12345678987654321.2345678987654321") == "12345678987654321.2345678987654321");
  CHECK(round_trip(".12") == "0.1200000000000000");
  CHECK(round_trip("-12345.12") == "\"-12345.1200000000000000\"");
  CHECK(round_trip("\"-12345.12\"") == "\"-12345.1200000000000000\"");
  CHECK(round_trip("0") == "0.0000000000000000");
}

TEST_CASE("DELIMITED quotes fields as Commons CSV does", "[format][delimited]") {
  auto strings = Make("DELIMITED", {Col("A", Type::String()), Col("B", Type::String()),
                                    Col("C", Type::String()), Col("D", Type::String())});
  // string.json "LCASE, UCASE, TRIM SUBSTRING"
  CHECK(Write(*strings, {Value::String(" \t with white space \t"), Value::String(" \t WITH WHITE SPACE \t"),
                         Value::String("with white space"), Value::String("\t wit")}) ==
        "\" \t with white space \t\",\" \t WITH WHITE SPACE \t\",with white space,\"\t wit\"");
  // bytes-and-strings.json: "!" and "#" are quoted wherever they start a field.
  CHECK(Write(*strings, {Value::String("!"), Value::String("IQ=="), Value::String("!"), Value::String("$x")}) ==
        "\"!\",IQ==,\"!\",$x");
  CHECK(Write(*strings, {Value::String("-"), Value::String("-x"), Value::String("a\"b"), Value::String("a,b")}) ==
        "\"-\",-x,\"a\"\"b\",\"a,b\"");
  CHECK(Write(*strings, {Value::String(""), Value::String(""), Value::Null(), Value::String("x\n")}) ==
        "\"\",,,\"x\n\"");
  CHECK(Write(*strings, {Value::String("\xC3\xA9t\xC3\xA9"), Value::String("\xC3\xA9"),
                         Value::String("trailing "), Value::String("ok")}) ==
        "\"\xC3\xA9t\xC3\xA9\",\xC3\xA9,\"trailing \",ok");
  // project-filter.json "project string with embedded code"
  auto one = Make("DELIMITED", {Col("S", Type::String())});
  CHECK(Write(*one, {Value::String("\" + new Supplier(){}.get() + \"")}) ==
        "\"\"\" + new Supplier(){}.get() + \"\"\"");
}

TEST_CASE("DELIMITED numbers (literals.json, group-by.json, date.json)", "[format][delimited]") {
  auto ints = Make("DELIMITED", {Col("A", Type::Int()), Col("B", Type::Int()), Col("C", Type::Int())});
  CHECK(Write(*ints, {Value::Int(0), Value::Int(-2147483647), Value::Int(2147483647)}) ==
        "0,-2147483647,2147483647");
  CHECK(Write(*ints, {Value::Int(-1), Value::Int(1), Value::Int(-1)}) == "\"-1\",1,-1");
  auto doubles = Make("DELIMITED", {Col("A", Type::Int()), Col("B", Type::Double()), Col("C", Type::Double()),
                                    Col("D", Type::Double()), Col("E", Type::Double()),
                                    Col("F", Type::Double()), Col("G", Type::Double())});
  const double tiny = std::numeric_limits<double>::denorm_min();
  const double min_normal = std::numeric_limits<double>::min();
  const double max = std::numeric_limits<double>::max();
  CHECK(Write(*doubles, {Value::Int(0), Value::Double(tiny), Value::Double(-tiny), Value::Double(min_normal),
                         Value::Double(-min_normal), Value::Double(max), Value::Double(-max)}) ==
        "0,4.9E-324,-4.9E-324,2.2250738585072014E-308,-2.2250738585072014E-308,"
        "1.7976931348623157E308,-1.7976931348623157E308");
  CHECK(Write(*Make("DELIMITED", {Col("D", Type::Date())}), {Value::Dt(-10)}) == "\"-10\"");
  auto mixed = Make("DELIMITED", {Col("B", Type::Boolean()), Col("I", Type::Int()), Col("L", Type::Bigint()),
                                  Col("D", Type::Double()), Col("S", Type::String())});
  CHECK(Write(*mixed, Read(*mixed, "true,10,101,10.3,bob")) == "true,10,101,10.3,bob");
  CHECK(Read(*mixed, "true,10,101,NaN,bob")[3].is_double());
}

TEST_CASE("DELIMITED with other delimiters", "[format][delimited]") {
  for (char d : {'|', '$', ' ', '\t'}) {
    FormatOptions o;
    o.delimiter = d;
    auto f = Make("DELIMITED", {Col("ID", Type::Bigint()), Col("NAME", Type::String()),
                                Col("VALUE", Type::Int())}, o);
    const std::string text = std::string("100") + d + "zero" + d + "500";
    CAPTURE(text);
    CHECK(Write(*f, Read(*f, text)) == text);
  }
  FormatOptions pipe;
  pipe.delimiter = '|';
  auto f = Make("DELIMITED", {Col("A", Type::String()), Col("B", Type::String())}, pipe);
  CHECK(Write(*f, {Value::String("a,b"), Value::String("c|d")}) == "a,b|\"c|d\"");
}

TEST_CASE("Base64", "[format]") {
  std::string out;
  AppendBase64("variations", out);
  CHECK(out == "dmFyaWF0aW9ucw==");
  out.clear();
  AppendBase64(std::string("\x00\xff\x10", 3), out);
  CHECK(out == "AP8Q");
  std::string bytes;
  CHECK(DecodeBase64("IQ==", bytes));
  CHECK(bytes == "!");
  CHECK(DecodeBase64("IQ", bytes));  // padding may be left off
  CHECK(bytes == "!");
  CHECK(DecodeBase64("", bytes));
  CHECK(bytes.empty());
  CHECK_FALSE(DecodeBase64("I", bytes));
  CHECK_FALSE(DecodeBase64("IQ=", bytes));
  CHECK_FALSE(DecodeBase64("I Q==", bytes));
  CHECK_FALSE(DecodeBase64("!!!!", bytes));
}
