// Map, URL, JSON, date/time and lambda functions. Expected values come from ksqlDB's QTT files
// (md5.json, url.json, split-to-map.json, array.json, slice.json, json_*.json,
// extract-json-field.json, stringdate.json, parse-date.json, parse-time.json, format-time.json,
// datestring.json, stringtimestamp.json, timestamp-to-string.json, convert-tz.json,
// timestampadd.json, timeadd.json, dateadd.json, datesub.json, reduce-array.json) or are
// worked out by hand from the Java documentation.
#include <catch2/catch.hpp>

#include "engine/function/expr_builder.h"
#include "engine/function/lambda.h"
#include "engine/function/registry.h"
#include "tests/unit/function/call_util.h"

using namespace eddy;

namespace {

using namespace eddy::testing;

Arg Ts(int64_t ms) { return {Value::Ts(ms), Type::Timestamp()}; }
Arg Dt(int32_t d) { return {Value::Dt(d), Type::Date()}; }
Arg Tm(int32_t ms) { return {Value::Tm(ms), Type::Time()}; }
Arg StrArray(std::vector<std::string> xs) {
  ValueList v;
  for (auto& x : xs) v.push_back(Value::String(x));
  return {Value::Array(std::move(v)), Type::Array(Type::String())};
}
Arg StrMap(std::vector<std::pair<std::string, std::string>> xs) {
  std::vector<std::pair<Value, Value>> v;
  for (auto& [k, x] : xs) v.emplace_back(Value::String(k), Value::String(x));
  return {Value::Map(std::move(v)), Type::Map(Type::String(), Type::String())};
}

std::string Str(const Value& v) { return v.is_null() ? "<null>" : v.as_string(); }
std::vector<std::string> Strs(const Value& v) {
  std::vector<std::string> out;
  for (const Value& e : v.as_array()) out.push_back(Str(e));
  return out;
}
std::vector<int64_t> Ints(const Value& v) {
  std::vector<int64_t> out;
  for (const Value& e : v.as_array()) out.push_back(e.ToInt64());
  return out;
}

}  // namespace

TEST_CASE("MD5 and INITCAP", "[function][string]") {
  CHECK(Str(Call("MD5", {S("r1")})) == "7c92cf1eee8d99cc85f8355a3d6e4b86");
  CHECK(Str(Call("MD5", {S("")})) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(Str(Call("MD5", {S(" ")})) == "7215ee9c7d9dc229d2921a40e899ec5f");
  CHECK(Call("MD5", {NullOf(Type::String())}).is_null());
  // By hand from InitCap's pattern [^\s]+\s* over the lower-cased text.
  CHECK(Str(Call("INITCAP", {S("the QUICK  brown")})) == "The Quick  Brown");
  CHECK(Str(Call("INITCAP", {S("  lead")})) == "Lead");
}

TEST_CASE("URL functions", "[function][url]") {
  CHECK(Str(Call("URL_ENCODE_PARAM", {S("?foo $bar")})) == "%3Ffoo+%24bar");
  CHECK(Str(Call("URL_ENCODE_PARAM", {S("hello&world")})) == "hello%26world");
  CHECK(Str(Call("URL_DECODE_PARAM", {S("%3Ffoo+%24bar")})) == "?foo $bar");
  CHECK(Str(Call("URL_EXTRACT_FRAGMENT", {S("http://www.test.com/?query#fragment")})) == "fragment");
  CHECK(Call("URL_EXTRACT_FRAGMENT", {S("http://www.nofragment.com")}).is_null());
  CHECK(Str(Call("URL_EXTRACT_HOST", {S("http://test@confluent.io:8080")})) == "confluent.io");
  CHECK(Str(Call("URL_EXTRACT_PARAMETER", {S("http://www.test.com/?one=a&two=b&three"), S("two")})) == "b");
  CHECK(Str(Call("URL_EXTRACT_PATH", {S("http://www.test.com?query#fragment")})) == "");
  CHECK(Str(Call("URL_EXTRACT_PATH", {S("http://test@confluent.io:8080/nested/path?query&jobs")})) == "/nested/path");
  CHECK(Call("URL_EXTRACT_PORT", {S("http://test@confluent.io")}).is_null());
  CHECK(Call("URL_EXTRACT_PORT", {S("http://test@confluent.io:8080/nested/path?query&jobs")}).as_int() == 8080);
  CHECK(Str(Call("URL_EXTRACT_PROTOCOL", {S("https://test@confluent.io:8080/nested")})) == "https");
  CHECK(Call("URL_EXTRACT_PROTOCOL", {S("www.confluent.io")}).is_null());
  CHECK(Str(Call("URL_EXTRACT_QUERY", {S("http://www.test.com/path?q1&q2")})) == "q1&q2");
  CHECK(Call("URL_EXTRACT_QUERY", {S("http://test@confluent.io:8080/path")}).is_null());
  std::string error;
  CHECK(Call("URL_EXTRACT_HOST", {S("http://bad host")}, &error).is_null());
  CHECK(error.find("URL input has invalid syntax") != std::string::npos);
}

TEST_CASE("map functions", "[function][map]") {
  auto m = Call("SPLIT_TO_MAP", {S("apple:green//banana:yellow//cherry:red/"), S("/"), S(":")});
  REQUIRE(m.as_map().size() == 3);
  CHECK(Str(m.as_map()[1].second) == "yellow");
  auto m2 = Call("SPLIT_TO_MAP", {S("apple:green/banana:yellow/cherry:red"), S("&&"), S(":")});
  REQUIRE(m2.as_map().size() == 1);
  CHECK(Str(m2.as_map()[0].second) == "green/banana");
  CHECK(Call("SPLIT_TO_MAP", {S("a:b"), S(""), S(":")}).is_null());
  CHECK(Strs(Call("MAP_KEYS", {StrMap({{"a", "1"}, {"b", "2"}})})) == std::vector<std::string>{"a", "b"});
  CHECK(Strs(Call("MAP_VALUES", {StrMap({{"a", "1"}, {"b", "2"}})})) == std::vector<std::string>{"1", "2"});
  auto u = Call("MAP_UNION", {StrMap({{"a", "1"}, {"b", "2"}}), StrMap({{"b", "3"}})});
  REQUIRE(u.as_map().size() == 2);
  CHECK(Str(u.as_map()[1].second) == "3");
  CHECK(Call("MAP_UNION", {NullOf(Type::Map(Type::String(), Type::String())),
                           NullOf(Type::Map(Type::String(), Type::String()))})
            .is_null());
  auto e = Call("ENTRIES", {StrMap({{"K2", "V2"}, {"K1", "V1"}}), {Value::Boolean(true), Type::Boolean()}});
  REQUIRE(e.as_array().size() == 2);
  CHECK(Str(e.as_array()[0].as_struct()[0]) == "K1");
  auto as_map = Call("AS_MAP", {StrArray({"a", "b"}), StrArray({"1"})});
  REQUIRE(as_map.as_map().size() == 2);
  CHECK(as_map.as_map()[1].second.is_null());
}

TEST_CASE("SLICE and GENERATE_SERIES", "[function][array]") {
  CHECK(Strs(Call("SLICE", {StrArray({"a", "b", "c", "d"}), I(2), I(3)})) == std::vector<std::string>{"b", "c"});
  CHECK(Call("SLICE", {StrArray({"a"}), I(0), I(1)}).is_null());
  CHECK(Ints(Call("GENERATE_SERIES", {I(4), I(0)})) == std::vector<int64_t>{4, 3, 2, 1, 0});
  CHECK(Ints(Call("GENERATE_SERIES", {I(-2), I(1), I(2)})) == std::vector<int64_t>{-2, 0});
  CHECK(Ints(Call("GENERATE_SERIES", {I(9), I(0), I(-3)})) == std::vector<int64_t>{9, 6, 3, 0});
  std::string error;
  CHECK(Call("GENERATE_SERIES", {I(0), I(3), I(-1)}, &error).is_null());
  CHECK(error.find("GENERATE_SERIES step has wrong sign") != std::string::npos);
}

TEST_CASE("JSON functions", "[function][json]") {
  CHECK(Str(Call("EXTRACTJSONFIELD", {S(R"({"name": "cdc", "version": "1"})"), S("$.name")})) == "cdc");
  CHECK(Str(Call("EXTRACTJSONFIELD", {S(R"({"array": [1.23450]})"), S("$.array[0]")})) == "1.23450");
  CHECK(Call("EXTRACTJSONFIELD", {S(R"({"array": [1, 2, 3]})"), S("$.array[-1]")}).is_null());
  // Jackson's readTree reads the first value and ignores what follows it.
  CHECK(Str(Call("EXTRACTJSONFIELD", {S(R"({"name": "cdd", "version": "2"}})"), S("$.version")})) == "2");
  CHECK(Call("EXTRACTJSONFIELD", {S(R"({"array": [1.23450]})"), S("$.array[1]")}).is_null());
  CHECK(Str(Call("JSON_CONCAT", {S(R"({"a": {"5": 6}})"), S(R"({"a": {"3": 4}})")})) == R"({"a":{"3":4}})");
  CHECK(Str(Call("JSON_CONCAT", {S("[1, 2]"), S(R"({"a": 1})")})) == R"([1,2,{"a":1}])");
  CHECK(Str(Call("JSON_CONCAT", {S("null"), S("null")})) == "[null,null]");
  CHECK(Call("JSON_CONCAT", {S("1"), S("")}).is_null());
  CHECK(Call("JSON_ARRAY_LENGTH", {S("[]")}).as_int() == 0);
  CHECK(Call("JSON_ARRAY_LENGTH", {S("")}).is_null());
  CHECK(Strs(Call("JSON_KEYS", {S(R"({"Red": 3, "Green": 5})")})) == std::vector<std::string>{"Red", "Green"});
  auto rec = Call("JSON_RECORDS", {S(R"({"White": "Seven", "n": 7})")});
  CHECK(Str(rec.as_map()[0].second) == "Seven");
  CHECK(Str(rec.as_map()[1].second) == "7");
  CHECK(Strs(Call("JSON_ITEMS", {S(R"([{"type": "A"}, 2])")})) == std::vector<std::string>{R"({"type":"A"})", "2"});
  CHECK(Call("JSON_ARRAY_CONTAINS", {S(R"(["Pink", null])"), S("Pink")}).as_bool());
  CHECK(!Call("JSON_ARRAY_CONTAINS", {S(R"(["Red"])"), S("Pink")}).as_bool());
  CHECK(Call("IS_JSON_STRING", {S(R"("abc")")}).as_bool());
  CHECK(!Call("IS_JSON_STRING", {S("abc")}).as_bool());
  CHECK(!Call("IS_JSON_STRING", {S("")}).as_bool());
}

TEST_CASE("DATE and TIME patterns (SimpleDateFormat)", "[function][datetime]") {
  CHECK(Call("STRINGTODATE", {S("2018-05-11Lit"), S("yyyy-MM-dd'Lit'")}).as_int() == 17662);
  CHECK(Call("STRINGTODATE", {S("11/05/2019"), S("dd/MM/yyyy")}).as_int() == 18027);
  CHECK(Call("PARSE_DATE", {S("01-JAN-2022"), S("dd-MMM-yyyy")}).as_date() == 18993);
  CHECK(Call("PARSE_DATE", {S("JAN-2022"), S("MMM-yyyy")}).as_date() == 18993);
  // null.json: text after the pattern is ignored.
  CHECK(Call("PARSE_DATE", {S("2003-12-24-01-01"), S("yyyy-MM-dd")}).as_date() == 12410);
  std::string error;
  CHECK(Call("PARSE_DATE", {S("2004"), S("yyyy-MM-dd")}, &error).is_null());
  CHECK(error.find("Failed to parse date '2004' with formatter 'yyyy-MM-dd'") != std::string::npos);
  CHECK(Str(Call("DATETOSTRING", {I(18993), S("dd-MMM-yyyy")})) == "01-Jan-2022");
  CHECK(Str(Call("FORMAT_DATE", {Dt(-1), S("dd-MM-yyyy'Sophia'")})) == "31-12-1969Sophia");
  CHECK(Call("PARSE_TIME", {S("11/05/19"), S("HH/mm/ss")}).as_time() == 39919000);
  CHECK(Call("PARSE_TIME", {S("01:00:00 Pm"), S("hh:mm:ss a")}).as_time() == 46800000);
  CHECK(Str(Call("FORMAT_TIME", {Tm(65000), S("HH_mm_ss_SSS")})) == "00_01_05_000");
  CHECK(Str(Call("FORMAT_TIME", {Tm(1234567), S("HHmmss'AAAAA'")})) == "002034AAAAA");
}

TEST_CASE("TIMESTAMP patterns (DateTimeFormatter) and zones", "[function][datetime]") {
  CHECK(Call("STRINGTOTIMESTAMP", {S("2018-05-11T21:58:33Z"), S("yyyy-MM-dd'T'HH:mm:ssX")}).as_bigint() ==
        1526075913000);
  CHECK(Call("STRINGTOTIMESTAMP", {S("2020-05-11T21:58:33z"), S("yyyy-MM-dd'T'HH:mm:ssX")}).as_bigint() ==
        1589234313000);
  CHECK(Call("PARSE_TIMESTAMP", {S("2019-05-11T21:58:33"), S("yyyy-MM-dd'T'HH:mm:ss")}).as_timestamp() ==
        1557611913000);
  // PST names the Los Angeles region, so daylight saving applies in May.
  CHECK(Call("PARSE_TIMESTAMP", {S("2018-05-11T21:58:33 PST"), S("yyyy-MM-dd'T'HH:mm:ss zzz")}).as_timestamp() ==
        1526101113000);
  CHECK(Str(Call("FORMAT_TIMESTAMP", {Ts(1526075913000), S("yyyy-MM-dd HH:mm:ss zzz"), S("America/Los_Angeles")})) ==
        "2018-05-11 14:58:33 PDT");
  CHECK(Str(Call("TIMESTAMPTOSTRING", {L(1526075913000), S("yyyy-MM-dd HH:mm:ss zzz"), S("Europe/London")})) ==
        "2018-05-11 22:58:33 BST");
  CHECK(Str(Call("FORMAT_TIMESTAMP", {Ts(1526075913000), S("yyyy-MM-dd HH:mm:ss")})) == "2018-05-11 21:58:33");
  CHECK(Call("CONVERT_TZ", {Ts(100), S("+0200"), S("+0500")}).as_timestamp() == 10800100);
  CHECK(Call("CONVERT_TZ", {Ts(1589234313000), S("America/Los_Angeles"), S("America/New_York")}).as_timestamp() ==
        1589245113000);
  std::string error;
  CHECK(Call("CONVERT_TZ", {Ts(0), S("Mars/Base"), S("UTC")}, &error).is_null());
  CHECK(error.find("Unknown time-zone ID: Mars/Base") != std::string::npos);
}

TEST_CASE("time unit arithmetic", "[function][datetime]") {
  CHECK(Call("TIMESTAMPADD", {S("MILLISECONDS"), I(10), Ts(10)}).as_timestamp() == 20);
  CHECK(Call("TIMESTAMPSUB", {S("MILLISECONDS"), I(-5), Ts(5)}).as_timestamp() == 10);
  CHECK(Call("TIMEADD", {S("MILLISECONDS"), I(10), Tm(86399995)}).as_time() == 5);
  CHECK(Call("TIMEADD", {S("MILLISECONDS"), I(-5), Tm(2)}).as_time() == 86399997);
  CHECK(Call("DATEADD", {S("DAYS"), I(10), Dt(10)}).as_date() == 20);
  CHECK(Call("DATESUB", {S("DAYS"), I(10), Dt(40)}).as_date() == 30);
  CHECK(Call("TIMESTAMPADD", {S("MILLISECONDS"), NullOf(Type::Int()), Ts(5)}).is_null());
  CHECK(BindError("TIMESTAMPADD", {Ts(1), I(5), Ts(1)}) ==
        "Function 'timestampadd' does not accept parameters (TIMESTAMP, INTEGER, TIMESTAMP).");
  CHECK(BindError("DATEADD", {Dt(1), I(5), Dt(1)}) ==
        "Function 'dateadd' does not accept parameters (DATE, INTEGER, DATE).");
}

TEST_CASE("REDUCE and TRANSFORM over compiled lambdas", "[function][lambda]") {
  // REDUCE(numbers, 2, (s, x) => s + x) over [3, 6] is 11; over [5, NULL] NULL (reduce-array.json).
  auto reduce = [](ValueList items) {
    std::vector<CompiledExprPtr> args;
    args.push_back(MakeLiteral(Value::Array(std::move(items)), Type::Array(Type::Int())));
    args.push_back(MakeLiteral(Value::Int(2), Type::Int()));
    auto body = MakeArithmetic(ArithOp::kAdd, MakeLambdaVar(0, Type::Int()), MakeLambdaVar(1, Type::Int()));
    REQUIRE(body.ok());
    std::vector<LambdaArg> lambdas;
    lambdas.push_back({{0, 1}, std::move(body).value()});
    auto call = MakeHigherOrderCall("REDUCE", std::move(args), std::move(lambdas), 2);
    REQUIRE(call.ok());
    Record r;
    EvalContext ctx{&r, {}};
    return call.value()->Eval(ctx);
  };
  CHECK(reduce({Value::Int(3), Value::Int(6)}).as_int() == 11);
  CHECK(reduce({Value::Int(5), Value()}).is_null());
  // TRANSFORM of a map into duplicate keys fails (Java's Collectors.toMap).
  std::vector<CompiledExprPtr> args;
  args.push_back(MakeLiteral(Value::Map({{Value::String("a"), Value::Int(1)}, {Value::String("b"), Value::Int(1)}}),
                             Type::Map(Type::String(), Type::Int())));
  std::vector<LambdaArg> lambdas;
  lambdas.push_back({{0, 1}, MakeLambdaVar(1, Type::Int())});
  lambdas.push_back({{2, 3}, MakeLambdaVar(2, Type::String())});
  auto call = MakeHigherOrderCall("TRANSFORM", std::move(args), std::move(lambdas), 4);
  REQUIRE(call.ok());
  Record r;
  EvalContext ctx{&r, {}};
  CHECK(call.value()->Eval(ctx).is_null());
  CHECK(ctx.error.find("Duplicate key 1") != std::string::npos);
}
