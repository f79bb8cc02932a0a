// Built-in functions against values worked out from ksqlDB's documentation and QTT files.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "engine/function/expr_builder.h"
#include "engine/function/registry.h"

using namespace eddy;

namespace {

Value Call(const std::string& name, std::vector<std::pair<Value, TypePtr>> args, std::string* error = nullptr) {
  const ScalarFunction* fn = FunctionRegistry::Builtins().FindScalar(name);
  REQUIRE(fn != nullptr);
  std::vector<CompiledExprPtr> exprs;
  for (auto& [v, t] : args) exprs.push_back(v.is_null() ? MakeNullLiteral(t) : MakeLiteral(v, t));
  auto call = MakeCall(*fn, std::move(exprs));
  REQUIRE(call.ok());
  Record r;
  EvalContext ctx{&r, {}};
  Value out = call.value()->Eval(ctx);
  if (error) *error = ctx.error;
  return out;
}

std::pair<Value, TypePtr> D(double d) { return {Value::Double(d), Type::Double()}; }
std::pair<Value, TypePtr> I(int32_t i) { return {Value::Int(i), Type::Int()}; }
std::pair<Value, TypePtr> S(std::string s) { return {Value::String(std::move(s)), Type::String()}; }

}  // namespace

TEST_CASE("GEO_DISTANCE matches ksqlDB's golden values", "[function][geo]") {
  // QTT geodistance.json, compared to 6 decimal places there.
  CHECK(Call("GEO_DISTANCE", {D(37.4439), D(-122.1663), D(51.5257), D(-0.1122)}).as_double() ==
        Approx(8634.659796579544).epsilon(1e-12));
  CHECK(Call("GEO_DISTANCE", {D(37.4439), D(-122.1663), D(51.5257), D(-0.1122), S("MI")}).as_double() ==
        Approx(5365.659729188262).epsilon(1e-12));
  CHECK(Call("GEO_DISTANCE", {D(51.5257), D(-0.1122), D(-33.9323), D(18.4197), S(" km ")}).as_double() ==
        Approx(9673.40421197142).epsilon(1e-12));
  // Same point: zero.
  CHECK(Call("GEO_DISTANCE", {D(10), D(20), D(10), D(20)}).as_double() == 0.0);
}

TEST_CASE("GEO_DISTANCE rejects bad input with an error, as NULL", "[function][geo]") {
  std::string err;
  CHECK(Call("GEO_DISTANCE", {D(91), D(0), D(0), D(0)}, &err).is_null());
  CHECK(err.find("latitude") != std::string::npos);
  CHECK(Call("GEO_DISTANCE", {D(0), D(181), D(0), D(0)}, &err).is_null());
  CHECK(Call("GEO_DISTANCE", {D(0), D(0), D(0), D(0), S("furlongs")}, &err).is_null());
  CHECK(err.find("units") != std::string::npos);
  // A NULL unit means kilometres.
  CHECK(Call("GEO_DISTANCE", {D(0), D(0), D(0), D(1), {Value(), Type::String()}}).as_double() ==
        Approx(6371 * M_PI / 180).epsilon(1e-12));
}

TEST_CASE("ROUND follows Java: half toward positive infinity", "[function][math]") {
  CHECK(Call("ROUND", {D(1.5)}).as_bigint() == 2);
  CHECK(Call("ROUND", {D(-1.5)}).as_bigint() == -1);
  CHECK(Call("ROUND", {D(2.4)}).as_bigint() == 2);
  CHECK(Call("ROUND", {D(0.49999999999999994)}).as_bigint() == 0);
  // ROUND(DOUBLE, n) rounds the shortest decimal spelling: 1.005 is "1.005", so 1.01.
  CHECK(Call("ROUND", {D(1.005), I(2)}).as_double() == 1.01);
  CHECK(Call("ROUND", {D(-1.005), I(2)}).as_double() == -1.0);
  CHECK(Call("ROUND", {D(10.674), I(2)}).as_double() == 10.67);
  CHECK(Call("ROUND", {D(123.456), I(-1)}).as_double() == 120.0);
  CHECK(Call("ROUND", {I(7)}).as_bigint() == 7);
}

TEST_CASE("ABS keeps its type and wraps INT_MIN as Java does", "[function][math]") {
  CHECK(Call("ABS", {I(-3)}).as_int() == 3);
  CHECK(Call("ABS", {I(std::numeric_limits<int32_t>::min())}).as_int() == std::numeric_limits<int32_t>::min());
  CHECK(Call("ABS", {D(-2.5)}).as_double() == 2.5);
}

TEST_CASE("GREATEST and LEAST skip NULLs and widen numbers", "[function][math]") {
  CHECK(Call("GREATEST", {I(1), I(5), I(3)}).as_int() == 5);
  CHECK(Call("LEAST", {I(4), {Value(), Type::Int()}, I(2)}).as_int() == 2);
  CHECK(Call("GREATEST", {{Value(), Type::Int()}, {Value(), Type::Int()}}).is_null());
  Value v = Call("GREATEST", {I(1), D(2.5)});
  REQUIRE(v.is_double());
  CHECK(v.as_double() == 2.5);
  CHECK(Call("GREATEST", {S("apple"), S("pear")}).as_string() == "pear");
  CHECK(std::isnan(Call("GREATEST", {D(1), D(std::nan(""))}).as_double()));
}

TEST_CASE("arithmetic types and values", "[function][expr]") {
  Record r;
  EvalContext ctx{&r, {}};
  auto lit = [](int32_t i) { return MakeLiteral(Value::Int(i), Type::Int()); };
  // ksqlDB's words for operands that are not numbers (comparison-expression.json).
  auto boolean = MakeArithmetic(ArithOp::kAdd, MakeLiteral(Value::Boolean(true), Type::Boolean()),
                                MakeLiteral(Value::Dec(Decimal{15, 1}), Type::Decimal(2, 1)), "(true + 1.5)");
  REQUIRE_FALSE(boolean.ok());
  CHECK(boolean.status().message() ==
        "Error processing expression: (true + 1.5). Unsupported arithmetic types. BOOLEAN DECIMAL");
  auto div = MakeArithmetic(ArithOp::kDiv, lit(7), lit(2));
  REQUIRE(div.ok());
  CHECK(div.value()->type()->kind == TypeKind::kInt);
  CHECK(div.value()->Eval(ctx).as_int() == 3);
  auto by_zero = MakeArithmetic(ArithOp::kDiv, lit(7), lit(0));
  REQUIRE(by_zero.ok());
  CHECK(by_zero.value()->Eval(ctx).is_null());
  CHECK(!ctx.error.empty());
  // INT overflow wraps.
  ctx.error.clear();
  auto wrap = MakeArithmetic(ArithOp::kAdd, lit(std::numeric_limits<int32_t>::max()), lit(1));
  CHECK(wrap.value()->Eval(ctx).as_int() == std::numeric_limits<int32_t>::min());
  // DOUBLE / DECIMAL is DOUBLE; DECIMAL / INT follows the decimal rules: 0.5 / 10 = 0.05.
  auto half = MakeLiteral(Value::Dec(Decimal{5, 1}), Type::Decimal(1, 1));
  auto d = MakeArithmetic(ArithOp::kDiv, std::move(half), lit(10));
  REQUIRE(d.ok());
  REQUIRE(d.value()->type()->kind == TypeKind::kDecimal);
  CHECK(d.value()->type()->scale == 12);
  Value q = d.value()->Eval(ctx);
  CHECK(q.as_decimal().ToString() == "0.050000000000");
  auto x = MakeArithmetic(ArithOp::kDiv, MakeLiteral(Value::Double(1.0), Type::Double()), std::move(d).value());
  REQUIRE(x.ok());
  CHECK(x.value()->type()->kind == TypeKind::kDouble);
  CHECK(x.value()->Eval(ctx).as_double() == 20.0);
}

TEST_CASE("CAST between numbers and strings", "[function][cast]") {
  Record r;
  EvalContext ctx{&r, {}};
  CHECK(CastValue(Value::Double(5.0), *Type::Double(), *Type::String(), ctx).as_string() == "5.0");
  CHECK(CastValue(Value::Double(-3.9), *Type::Double(), *Type::Int(), ctx).as_int() == -3);
  CHECK(CastValue(Value::String(" 42 "), *Type::String(), *Type::Int(), ctx).as_int() == 42);
  CHECK(CastValue(Value::String("4x"), *Type::String(), *Type::Int(), ctx).is_null());
  CHECK(!ctx.error.empty());
  ctx.error.clear();
  Value dec = CastValue(Value::Double(1.256), *Type::Double(), *Type::Decimal(4, 2), ctx);
  REQUIRE(dec.is_decimal());
  CHECK(dec.as_decimal().ToString() == "1.26");
}

TEST_CASE("LATEST_BY_OFFSET keeps the last non-null value", "[function][aggregate]") {
  const AggregateFunction* fn = FunctionRegistry::Builtins().FindAggregate("LATEST_BY_OFFSET");
  REQUIRE(fn);
  size_t n = 0;
  auto agg = fn->bind({Type::Double()}, {nullptr}, &n);
  REQUIRE(agg.ok());
  CHECK(n == 1);
  Value s = agg.value()->Init();
  CHECK(agg.value()->Result(s).is_null());
  Value a = Value::Double(1.5), b = Value(), c = Value::Double(2.5);
  s = agg.value()->Accumulate(s, &a, 1);
  s = agg.value()->Accumulate(s, &b, 1);
  CHECK(agg.value()->Result(s).as_double() == 1.5);
  s = agg.value()->Accumulate(s, &c, 1);
  CHECK(agg.value()->Result(s).as_double() == 2.5);
  // The N form returns the last N, oldest first.
  Value two = Value::Int(2);
  auto agg2 = fn->bind({Type::Int(), Type::Int()}, {nullptr, &two}, &n);
  REQUIRE(agg2.ok());
  Value s2 = agg2.value()->Init();
  for (int i = 11; i <= 13; ++i) {
    Value v = Value::Int(i);
    s2 = agg2.value()->Accumulate(s2, &v, 1);
  }
  const Value result = agg2.value()->Result(s2);  // keep the array alive
  const auto& items = result.as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0].as_int() == 12);
  CHECK(items[1].as_int() == 13);
}
