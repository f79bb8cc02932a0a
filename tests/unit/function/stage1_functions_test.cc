// String, bytes, regex and null functions, overload resolution and casts. Expected values come
// from ksqlDB's QTT files (substring.json, instr.json, string-lpad-rpad.json, encode.json,
// elt-field.json, regex.json, concat.json, greatest.json, null.json, cast.json) or are worked out
// by hand from Java's documented String semantics.
#include <catch2/catch.hpp>

#include <optional>

#include "engine/function/expr_builder.h"
#include "engine/function/registry.h"
#include "tests/unit/function/call_util.h"

using namespace eddy;

namespace {

using namespace eddy::testing;

std::string Str(const Value& v) { return v.as_string(); }

}  // namespace

TEST_CASE("SUBSTRING counts from 1, negative from the end, and clamps", "[function][string]") {
  CHECK(Str(Call("SUBSTRING", {S("some_string"), I(6)})) == "string");
  CHECK(Str(Call("SUBSTRING", {S("another"), I(6)})) == "er");
  CHECK(Str(Call("SUBSTRING", {S("short"), I(6)})) == "");
  CHECK(Str(Call("SUBSTRING", {S("some_string"), I(6), I(3)})) == "str");
  CHECK(Str(Call("SUBSTRING", {S("some string"), I(0), I(2)})) == "so");
  CHECK(Str(Call("SUBSTRING", {S("abcdef"), I(-2)})) == "ef");
  CHECK(Str(Call("SUBSTRING", {S("abc"), I(-10), I(2)})) == "ab");
  CHECK(Str(Call("SUBSTRING", {S("abc"), I(2), I(-1)})) == "");
  CHECK(Call("SUBSTRING", {S("abc"), Null()}).is_null());
  CHECK(Call("SUBSTRING", {NullOf(Type::String()), I(1)}).is_null());
  // UTF-16 units: "é" is one unit, "😀" (U+1F600) two.
  CHECK(Str(Call("SUBSTRING", {S("h\xC3\xA9llo"), I(2), I(2)})) == "\xC3\xA9l");
  CHECK(Str(Call("SUBSTRING", {S("a\xF0\x9F\x98\x80" "b"), I(2), I(2)})) == "\xF0\x9F\x98\x80");
  // Bytes: "some_string" from byte 6 is "string".
  CHECK(Call("SUBSTRING", {B("some_string"), I(6), I(3)}).as_bytes() == "str");
}

TEST_CASE("INSTR finds the n-th occurrence forwards or backwards", "[function][string]") {
  CHECK(Call("INSTR", {S("corporate floor"), S("or")}).as_int() == 2);
  CHECK(Call("INSTR", {S("should I stay or should I go"), S("or")}).as_int() == 15);
  CHECK(Call("INSTR", {S("no substring"), S("or")}).as_int() == 0);
  CHECK(Call("INSTR", {S("corporate floor"), S("or"), I(4)}).as_int() == 5);
  CHECK(Call("INSTR", {S("short"), S("or"), I(4)}).as_int() == 0);
  CHECK(Call("INSTR", {S("corporate floor"), S("or"), I(4), I(2)}).as_int() == 14);
  CHECK(Call("INSTR", {S("corporate floor"), S("or"), I(-4)}).as_int() == 5);
  CHECK(Call("INSTR", {S("corporate floor"), S("or"), I(-4), I(2)}).as_int() == 2);
  CHECK(Call("INSTR", {NullOf(Type::String()), S("or")}).as_int() == 0);
}

TEST_CASE("LPAD and RPAD pad, truncate, and give NULL on bad input", "[function][string]") {
  CHECK(Str(Call("LPAD", {S("foo"), I(7), S("Bar")})) == "BarBfoo");
  CHECK(Str(Call("LPAD", {S("foo"), I(5), S("Bar")})) == "Bafoo");
  CHECK(Str(Call("LPAD", {S("foo"), I(2), S("Bar")})) == "fo");
  CHECK(Str(Call("RPAD", {S("foo"), I(7), S("Bar")})) == "fooBarB");
  CHECK(Str(Call("RPAD", {S("foo"), I(5), S("Bar")})) == "fooBa");
  CHECK(Call("LPAD", {S("foo"), I(-1), S("Bar")}).is_null());
  CHECK(Call("RPAD", {S("foo"), I(7), S("")}).is_null());
  CHECK(Call("RPAD", {S("foo"), NullOf(Type::Int()), S("x")}).is_null());
  CHECK(Call("LPAD", {B("ab"), I(5), B("xy")}).as_bytes() == "xyxab");
}

TEST_CASE("ENCODE converts between hex, utf8, ascii and base64", "[function][string]") {
  CHECK(Str(Call("ENCODE", {S("4578616d706C6521"), S("hex"), S("ascii")})) == "Example!");
  CHECK(Str(Call("ENCODE", {S("0x4578616d706C6521"), S("hex"), S("utf8")})) == "Example!");
  CHECK(Str(Call("ENCODE", {S("X'4578616d706C6521'"), S("hex"), S("base64")})) == "RXhhbXBsZSE=");
  CHECK(Str(Call("ENCODE", {S("0x"), S("hex"), S("utf8")})) == "");
  // Bytes >= 0x80 read as ASCII become U+FFFD each.
  CHECK(Str(Call("ENCODE", {S("c39c6265726d656e736368"), S("hex"), S("ascii")})) ==
        "\xEF\xBF\xBD\xEF\xBF\xBD" "bermensch");
  CHECK(Str(Call("ENCODE", {S("c39c6265726d656e736368"), S("hex"), S("utf8")})) == "\xC3\x9C" "bermensch");
  // Non-ASCII characters written as ASCII become '?'.
  CHECK(Str(Call("ENCODE", {S("\xCE\x95\xCE\xBB"), S("ascii"), S("hex")})) == "3f3f");
  CHECK(Str(Call("ENCODE", {S("zpXOu867zqzOtM6x"), S("base64"), S("hex")})) == "ce95cebbcebbceacceb4ceb1");
  std::string err;
  CHECK(Call("ENCODE", {S("RXhhbXBsZSE="), S("base64"), S("null")}, &err).is_null());
  CHECK(err.find("hex, utf8, ascii and base64") != std::string::npos);
}

TEST_CASE("CONCAT, CONCAT_WS, ELT, FIELD, LEN", "[function][string]") {
  CHECK(Str(Call("CONCAT", {S("a"), Null(), S("b")})) == "ab");
  CHECK(Call("CONCAT", {B("yes"), Null(), B("no")}).as_bytes() == "yesno");
  CHECK(Str(Call("CONCAT_WS", {S("SEP"), S("foo"), NullOf(Type::String()), S("baz"), Null(), S("literal")})) ==
        "fooSEPbazSEPliteral");
  CHECK(Call("CONCAT_WS", {NullOf(Type::String()), S("foo")}).is_null());
  // concat.json: separator "a", then "b", "" and "no" -> "baano" (base64 YmFhbm8=).
  CHECK(Call("CONCAT_WS", {B("a"), B("b"), B(""), B("no")}).as_bytes() == "baano");
  CHECK(Str(Call("ELT", {I(2), S("ignored"), S("something")})) == "something");
  CHECK(Call("ELT", {I(3), S("a"), S("b")}).is_null());
  CHECK(Call("FIELD", {S("hello"), S("world"), S("hello")}).as_int() == 2);
  CHECK(Call("FIELD", {S("hello"), NullOf(Type::String()), S("x")}).as_int() == 0);
  CHECK(Call("LEN", {S("a\xF0\x9F\x98\x80")}).as_int() == 3);
  CHECK(Call("LEN", {B("abc")}).as_int() == 3);
  CHECK(Str(Call("REPLACE", {S("abcb"), S("b"), S("x")})) == "axcx");
  CHECK(Call("TO_BYTES", {S("hello"), S("ascii")}).as_bytes() == "hello");
  CHECK(Str(Call("FROM_BYTES", {B("hi"), S("base64")})) == "aGk=");
}

TEST_CASE("REGEXP_EXTRACT and REGEXP_EXTRACT_ALL", "[function][regex]") {
  CHECK(Str(Call("REGEXP_EXTRACT", {S("test."), S("some_test_string")})) == "test_");
  CHECK(Call("REGEXP_EXTRACT", {S("test."), S("anothertest")}).is_null());
  CHECK(Str(Call("REGEXP_EXTRACT", {S("(.*) (.*)"), S("steven zhang"), I(2)})) == "zhang");
  Value all = Call("REGEXP_EXTRACT_ALL", {S("(\\w+) (\\w*)"), S("apurva mehta agavra "), I(2)});
  REQUIRE(all.as_array().size() == 2);
  CHECK(all.as_array()[0].as_string() == "mehta");
  CHECK(all.as_array()[1].as_string() == "");
  CHECK(Call("REGEXP_EXTRACT_ALL", {S("test."), S("nothing")}).as_array().empty());
  CHECK(Str(Call("REGEXP_REPLACE", {S("aab"), S("a+"), S("x")})) == "xb");
}

TEST_CASE("COALESCE, IFNULL and NULLIF", "[function][null]") {
  CHECK(Call("COALESCE", {NullOf(Type::Int()), I(2), I(3)}).as_int() == 2);
  CHECK(Call("COALESCE", {NullOf(Type::Int()), Null()}).is_null());
  CHECK(Call("IFNULL", {NullOf(Type::Int()), I(10)}).as_int() == 10);
  CHECK(Call("NULLIF", {I(10), I(10)}).is_null());
  CHECK(Call("NULLIF", {I(1), I(10)}).as_int() == 1);
  CHECK(BindError("COALESCE", {}).find("Function 'COALESCE' does not accept parameters ().") == 0);
  CHECK(!Bind("IFNULL", {I(1), S("x")}).ok());
}

TEST_CASE("overload resolution follows ksqlDB's UdfIndex", "[function][resolve]") {
  // An exact match wins; NULLs fit any parameter.
  CHECK(Call("GREATEST", {I(1), I(5), Null(), I(3)}).as_int() == 5);
  // INT and BIGINT can both widen to BIGINT, DECIMAL or DOUBLE: ambiguous (greatest.json).
  CHECK(BindError("GREATEST", {I(1), L(2)}).find(
            "Function 'greatest' cannot be resolved due to ambiguous method parameters (INTEGER, BIGINT).") == 0);
  CHECK(BindError("GREATEST", {Null(), Null()}).find("ambiguous method parameters (null, null).") !=
        std::string::npos);
  CHECK(BindError("GREATEST", {}).find("Function 'greatest' does not accept parameters ().") == 0);
  CHECK(BindError("LEAST", {S("a"), I(1)}).find("Function 'least' does not accept parameters (STRING, INTEGER).") == 0);
  // A STRING literal stands for a DATE where a DATE is wanted: 2022-06-14 is day 19157.
  Value d = Call("GREATEST", {{Value::Dt(19071), Type::Date()}, S("2022-06-14")});
  CHECK(d.as_date() == 19157);
  // GEO_DISTANCE takes numbers widened to DOUBLE, not strings.
  CHECK(BindError("GEO_DISTANCE", {D(1), D(2), S("foo"), I(0)}).find("Function 'geo_distance' does not accept") == 0);
  // DECIMAL: the type widens over the arguments, the value keeps its own scale.
  Decimal a{123456789, 2}, b{123456, 6};
  auto call = Bind("GREATEST", {{Value::Dec(a), Type::Decimal(9, 2)}, {Value::Dec(b), Type::Decimal(7, 6)}});
  REQUIRE(call.ok());
  CHECK(call.value()->type()->Equals(*Type::Decimal(13, 6)));
}

TEST_CASE("GREATEST and LEAST order strings as Java does (UTF-16)", "[function][math]") {
  // U+1F600 is a surrogate pair (D83D DE00) and sorts below U+FF01 in UTF-16, above it in UTF-8.
  CHECK(Str(Call("GREATEST", {S("\xF0\x9F\x98\x80"), S("\xEF\xBC\x81")})) == "\xEF\xBC\x81");
  CHECK(Str(Call("LEAST", {S("b"), S("a"), S("c")})) == "a");
}

TEST_CASE("CAST of collections, structs and temporal strings", "[function][cast]") {
  Record r;
  EvalContext ctx{&r, {}};
  auto cast = [&](Value v, TypePtr from, TypePtr to) {
    auto e = MakeCast(MakeLiteral(std::move(v), std::move(from)), std::move(to));
    REQUIRE(e.ok());
    return e.value()->Eval(ctx);
  };
  TypePtr ai = Type::Array(Type::Int());
  CHECK(cast(Value::Array({Value::Int(1), Value::Int(3)}), ai, Type::String()).as_string() == "[1, 3]");
  Value narrowed = cast(Value::Array({Value::Bigint(2147483648LL)}), Type::Array(Type::Bigint()), ai);
  CHECK(narrowed.as_array()[0].as_int() == -2147483648);
  TypePtr m = Type::Map(Type::String(), Type::Int());
  CHECK(cast(Value::Map({{Value::String("this"), Value::Int(1)}}), m, Type::String()).as_string() == "{this=1}");
  TypePtr st = Type::Struct({{"F0", Type::Int()}, {"f1", Type::Int()}});
  CHECK(cast(Value::Struct({Value::Int(1), Value::Int(3)}), st, Type::String()).as_string() == "Struct{F0=1,f1=3}");
  TypePtr src = Type::Struct({{"F0", Type::Bigint()}, {"F1", Type::String()}});
  TypePtr dst = Type::Struct({{"F0", Type::String()}, {"F3", Type::String()}});
  Value s = cast(Value::Struct({Value::Bigint(1), Value::String("3")}), src, dst);
  CHECK(s.as_struct()[0].as_string() == "1");
  CHECK(s.as_struct()[1].is_null());
  CHECK(cast(Value::String("2022-06-14"), Type::String(), Type::Date()).as_date() == 19157);
  CHECK(cast(Value::String("09:16:00"), Type::String(), Type::Time()).as_time() == 33360000);
  CHECK(cast(Value::String("1970-01-02T00:00:01.5"), Type::String(), Type::Timestamp()).as_timestamp() == 86401500);
  CHECK(cast(Value::Ts(86401500), Type::Timestamp(), Type::String()).as_string() == "1970-01-02T00:00:01.500");
  CHECK(!MakeCast(MakeLiteral(Value::String("x"), Type::String()), ai).ok());
}

TEST_CASE("complex types compare only for equality; CASE needs a typed branch", "[function][expr]") {
  TypePtr ai = Type::Array(Type::Int());
  auto lit = [&] { return MakeLiteral(Value::Array({Value::Int(1)}), ai); };
  CHECK(!MakeComparison(CompareOp::kLt, lit(), lit()).ok());
  CHECK(MakeComparison(CompareOp::kEq, lit(), lit()).ok());
  std::vector<CompiledExprPtr> conds, results;
  conds.push_back(MakeLiteral(Value::Boolean(true), Type::Boolean()));
  results.push_back(MakeNullLiteral(nullptr));
  auto c = MakeCase(std::move(conds), std::move(results), MakeNullLiteral(nullptr));
  REQUIRE(!c.ok());
  CHECK(c.status().message() == "Invalid Case expression. All case branches have NULL type");
}

TEST_CASE("PARSE_DATE and FORMAT_DATE with simple Java patterns", "[function][datetime]") {
  // 2022-02-02: 1970..2021 is 52 years = 18980 days + 13 leap days = 18993, plus 31 (January)
  // plus 1 = 19025.
  CHECK(Call("PARSE_DATE", {S("2022-02-02"), S("yyyy-MM-dd")}).as_date() == 19025);
  CHECK(Call("PARSE_DATE", {S("02/02/2022"), S("dd/MM/yyyy")}).as_date() == 19025);
  std::string err;
  CHECK(Call("PARSE_DATE", {S("abcd"), S("yyyy-MM-dd")}, &err).is_null());
  CHECK(!err.empty());
  CHECK(Str(Call("FORMAT_DATE", {{Value::Dt(19025), Type::Date()}, S("dd/MM/yyyy")})) == "02/02/2022");
}

TEST_CASE("SPLIT keeps empty pieces; AS_VALUE is the identity", "[function][string]") {
  // split.json
  auto strs = [](const Value& v) {
    std::vector<std::string> out;
    for (const Value& e : v.as_array()) out.push_back(e.is_bytes() ? e.as_bytes() : e.as_string());
    return out;
  };
  CHECK(strs(Call("SPLIT", {S("..a.."), S(".")})) == std::vector<std::string>{"", "", "a", "", ""});
  CHECK(strs(Call("SPLIT", {S(".$$a.."), S("$$")})) == std::vector<std::string>{".", "a.."});
  CHECK(strs(Call("SPLIT", {S("abc"), S("")})) == std::vector<std::string>{"a", "b", "c"});
  CHECK(strs(Call("SPLIT", {S(""), S(",")})) == std::vector<std::string>{""});
  CHECK(strs(Call("SPLIT", {B("a.b"), B(".")})) == std::vector<std::string>{"a", "b"});
  CHECK(Call("AS_VALUE", {I(7)}).as_int() == 7);
  auto e = Bind("AS_VALUE", {S("x")});
  REQUIRE(e.ok());
  CHECK(e.value()->type()->kind == TypeKind::kString);
}

TEST_CASE("array functions", "[function][array]") {
  // array-min-max-sort.json, array-set-functions.json, array-remove.json, arrayjoin.json
  TypePtr ai = Type::Array(Type::Int());
  auto A = [&](std::vector<std::optional<int32_t>> xs) -> Arg {
    ValueList l;
    for (auto x : xs) l.push_back(x ? Value::Int(*x) : Value());
    return {Value::Array(std::move(l)), ai};
  };
  auto ints = [](const Value& v) {
    std::vector<std::optional<int32_t>> out;
    for (const Value& e : v.as_array()) out.push_back(e.is_null() ? std::nullopt : std::optional<int32_t>(e.as_int()));
    return out;
  };
  using V = std::vector<std::optional<int32_t>>;
  CHECK(Call("ARRAY_MAX", {A({0, std::nullopt, 1, 0, -1})}).as_int() == 1);
  CHECK(Call("ARRAY_MIN", {A({0, std::nullopt, 1, 0, -1})}).as_int() == -1);
  CHECK(Call("ARRAY_MAX", {A({})}).is_null());
  CHECK(ints(Call("ARRAY_SORT", {A({0, std::nullopt, 1, 0, -1})})) == V{-1, 0, 0, 1, std::nullopt});
  CHECK(ints(Call("ARRAY_SORT", {A({0, std::nullopt, 1, 0, -1}), S("desc")})) == V{1, 0, 0, -1, std::nullopt});
  CHECK(Call("ARRAY_SORT", {NullOf(ai), S("desc")}).is_null());
  CHECK(ints(Call("ARRAY_DISTINCT", {A({0, std::nullopt, 1, 0, -1})})) == V{0, std::nullopt, 1, -1});
  CHECK(ints(Call("ARRAY_EXCEPT", {A({0, 0, 1, 0, -1}), A({1, -2})})) == V{0, -1});
  CHECK(ints(Call("ARRAY_INTERSECT", {A({0, 0, 1, 0, -1}), A({1, -2, 0})})) == V{0, 1});
  CHECK(ints(Call("ARRAY_UNION", {A({0, 0, 1, 0, -1}), A({1, -2, 0})})) == V{0, 1, -1, -2});
  CHECK(ints(Call("ARRAY_CONCAT", {NullOf(ai), A({1, -2})})) == V{1, -2});
  CHECK(Call("ARRAY_CONCAT", {NullOf(ai), NullOf(ai)}).is_null());
  CHECK(ints(Call("ARRAY_REMOVE", {A({0, std::nullopt, 1, 0, -1}), I(-1)})) == V{0, std::nullopt, 1, 0});
  CHECK(ints(Call("ARRAY_REMOVE", {A({0, std::nullopt, 1}), NullOf(Type::Int())})) == V{0, 1});
  CHECK(Str(Call("ARRAY_JOIN", {A({1, 23, -42, 0})})) == "1,23,-42,0");
  CHECK(Str(Call("ARRAY_JOIN", {A({1, 23, -42, 0}), NullOf(Type::String())})) == "123-420");
  CHECK(Call("ARRAY_CONTAINS", {A({1, 2}), I(2)}).as_bool());
  CHECK(Call("ARRAY_LENGTH", {A({1, 2})}).as_int() == 2);
}

TEST_CASE("COLLECT_LIST and COLLECT_SET", "[function][aggregate]") {
  // collect-list.json / collect-set.json: NULLs are collected; maps equal regardless of order.
  const AggregateFunction* list = FunctionRegistry::Builtins().FindAggregate("COLLECT_LIST");
  const AggregateFunction* set = FunctionRegistry::Builtins().FindAggregate("COLLECT_SET");
  REQUIRE(list);
  REQUIRE(set);
  TypePtr m = Type::Map(Type::String(), Type::Int());
  size_t n = 0;
  auto l = list->bind({Type::Int()}, {nullptr}, &n);
  REQUIRE(l.ok());
  Value s = l.value()->Init();
  for (Value v : {Value::Int(1), Value(), Value::Int(1)}) s = l.value()->Accumulate(s, &v, 1);
  REQUIRE(s.as_array().size() == 3);
  CHECK(s.as_array()[1].is_null());
  Value one = Value::Int(1);
  s = l.value()->Undo(s, &one, 1);
  CHECK(s.as_array().size() == 2);
  auto st = set->bind({m}, {nullptr}, &n);
  REQUIRE(st.ok());
  Value a = Value::Map({{Value::String("x"), Value::Int(1)}, {Value::String("y"), Value::Int(2)}});
  Value b = Value::Map({{Value::String("y"), Value::Int(2)}, {Value::String("x"), Value::Int(1)}});
  Value t = st.value()->Init();
  t = st.value()->Accumulate(t, &a, 1);
  t = st.value()->Accumulate(t, &b, 1);
  CHECK(t.as_array().size() == 1);
}

TEST_CASE("TO_JSON_STRING writes JSON as ksqlDB does", "[function][json]") {
  // to_json_string.json
  CHECK(Str(Call("TO_JSON_STRING", {I(1)})) == "1");
  CHECK(Str(Call("TO_JSON_STRING", {NullOf(Type::Int())})) == "null");
  CHECK(Str(Call("TO_JSON_STRING", {S("abc")})) == "\"abc\"");
  CHECK(Str(Call("TO_JSON_STRING", {D(123.456)})) == "123.456");
  CHECK(Str(Call("TO_JSON_STRING", {B("!")})) == "\"IQ==\"");
  CHECK(Str(Call("TO_JSON_STRING", {{Value::Tm(60220000), Type::Time()}})) == "\"16:43:40\"");
  CHECK(Str(Call("TO_JSON_STRING", {{Value::Dt(1000), Type::Date()}})) == "\"1972-09-27\"");
  CHECK(Str(Call("TO_JSON_STRING", {{Value::Ts(60220000000), Type::Timestamp()}})) == "\"1971-11-28T23:46:40.000\"");
  TypePtr st = Type::Struct({{"ID", Type::Int()}, {"NAME", Type::String()}});
  CHECK(Str(Call("TO_JSON_STRING", {{Value::Struct({Value::Int(1), Value::String("Alice")}), st}})) ==
        "{\"ID\":1,\"NAME\":\"Alice\"}");
  TypePtr m = Type::Map(Type::String(), Type::Array(Type::Int()));
  CHECK(Str(Call("TO_JSON_STRING", {{Value::Map({{Value::String("id"), Value::Array({Value::Int(1), Value::Int(2)})}}), m}})) ==
        "{\"id\":[1,2]}");
}

TEST_CASE("ARRAY constructor coerces string literals and unites structs", "[function][expr]") {
  // create_array.json
  Record r;
  EvalContext ctx{&r, {}};
  std::vector<CompiledExprPtr> items;
  items.push_back(MakeNullLiteral(nullptr));
  items.push_back(MakeLiteral(Value::Int(10), Type::Int()));
  items.push_back(MakeLiteral(Value::String("2e1"), Type::String()));
  items.push_back(MakeLiteral(Value::Bigint(40), Type::Bigint()));
  auto a = MakeArrayCtor(std::move(items));
  REQUIRE(a.ok());
  // A numeric string reads as a DECIMAL, so the elements widen to DECIMAL(19, 0).
  CHECK(a.value()->type()->Equals(*Type::Array(Type::Decimal(19, 0))));
  Value v = a.value()->Eval(ctx);
  CHECK(v.as_array()[2].as_decimal() == Decimal{20, 0});
  std::vector<CompiledExprPtr> bad;
  bad.push_back(MakeLiteral(Value::Int(1), Type::Int()));
  bad.push_back(MakeLiteral(Value::String("not a number"), Type::String()));
  auto b = MakeArrayCtor(std::move(bad));
  REQUIRE(!b.ok());
  // ksqlDB's CoercionUtil ends the message with a period.
  CHECK(b.status().message() == "invalid input syntax for type INTEGER: \"not a number\".");
  CHECK(!MakeArrayCtor({}).ok());
  std::vector<CompiledExprPtr> structs;
  structs.push_back(MakeLiteral(Value::Struct({Value::Int(30), Value::Int(40)}),
                                Type::Struct({{"X", Type::Int()}, {"Y", Type::Int()}})));
  structs.push_back(MakeLiteral(Value::Struct({Value::Int(30), Value::Int(40)}),
                                Type::Struct({{"Y", Type::Int()}, {"Z", Type::Int()}})));
  auto s = MakeArrayCtor(std::move(structs));
  REQUIRE(s.ok());
  Value sv = s.value()->Eval(ctx);
  CHECK(sv.as_array()[1].as_struct()[0].is_null());
  CHECK(sv.as_array()[1].as_struct()[1].as_int() == 30);
  CHECK(sv.as_array()[1].as_struct()[2].as_int() == 40);
}

TEST_CASE("MAP constructor keeps one key type, mixed keys meet at STRING", "[function][expr]") {
  // json.json "map with non-string keys - C*AS": MAP(k := v) over an INT k is MAP<INTEGER, DOUBLE>.
  std::vector<CompiledExprPtr> keys, values;
  keys.push_back(MakeLiteral(Value::Int(1), Type::Int()));
  values.push_back(MakeLiteral(Value::Double(2.5), Type::Double()));
  auto int_keys = MakeMapCtor(std::move(keys), std::move(values));
  REQUIRE(int_keys.ok());
  CHECK(int_keys.value()->type()->Equals(*Type::Map(Type::Int(), Type::Double())));
  // create_map.json: MAP(k1 := v1, 10 := 'no') with a VARCHAR k1 has STRING keys; 10 reads "10".
  Record r;
  EvalContext ctx{&r, {}};
  std::vector<CompiledExprPtr> mixed_keys, mixed_values;
  mixed_keys.push_back(MakeLiteral(Value::String("a"), Type::String()));
  mixed_keys.push_back(MakeLiteral(Value::Int(10), Type::Int()));
  mixed_values.push_back(MakeLiteral(Value::Boolean(true), Type::Boolean()));
  mixed_values.push_back(MakeLiteral(Value::Boolean(false), Type::Boolean()));
  auto mixed = MakeMapCtor(std::move(mixed_keys), std::move(mixed_values));
  REQUIRE(mixed.ok());
  CHECK(mixed.value()->type()->Equals(*Type::Map(Type::String(), Type::Boolean())));
  const Value m = mixed.value()->Eval(ctx);
  REQUIRE(m.as_map().size() == 2);
  CHECK(m.as_map()[1].first == Value::String("10"));
}

TEST_CASE("RANDOM is a DOUBLE in [0, 1)", "[function][math]") {
  for (int i = 0; i < 100; ++i) {
    const double x = Call("RANDOM", {}).as_double();
    CHECK(x >= 0.0);
    CHECK(x < 1.0);
  }
}
