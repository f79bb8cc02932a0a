// The MAP constructor's coercion, as ksqlDB's CoercionUtil does it; expectations from
// create_map.json (ksqlDB's golden tests).
#include <catch2/catch.hpp>

#include "engine/function/expr_builder.h"

using namespace eddy;

namespace {

TEST_CASE("MAP constructor coerces string literals to the values' type", "[function][expr]") {
  // MAP(k1:=v1, k2:='true', 10:='no') over a BOOLEAN v1: keys meet at STRING, 'true' and 'no'
  // read as booleans.
  Record r;
  r.value = Row{Value::String("a"), Value::String("b"), Value::Boolean(false)};
  EvalContext ctx{&r, {}};
  std::vector<CompiledExprPtr> keys, values;
  keys.push_back(MakeColumn(Section::kValue, 0, Type::String()));
  keys.push_back(MakeColumn(Section::kValue, 1, Type::String()));
  keys.push_back(MakeLiteral(Value::Int(10), Type::Int()));
  values.push_back(MakeColumn(Section::kValue, 2, Type::Boolean()));
  values.push_back(MakeLiteral(Value::String("true"), Type::String()));
  values.push_back(MakeLiteral(Value::String("no"), Type::String()));
  auto m = MakeMapCtor(std::move(keys), std::move(values));
  REQUIRE(m.ok());
  CHECK(m.value()->type()->Equals(*Type::Map(Type::String(), Type::Boolean())));
  Value v = m.value()->Eval(ctx);
  REQUIRE(v.as_map().size() == 3);
  CHECK(v.as_map()[1].second.as_bool() == true);
  CHECK(v.as_map()[2].first.as_string() == "10");
  CHECK(v.as_map()[2].second.as_bool() == false);

  // MAP(k1:=v1, k2:='hello') over an INT v1.
  std::vector<CompiledExprPtr> k2, v2;
  k2.push_back(MakeColumn(Section::kValue, 0, Type::String()));
  k2.push_back(MakeColumn(Section::kValue, 1, Type::String()));
  v2.push_back(MakeColumn(Section::kValue, 2, Type::Int()));
  v2.push_back(MakeLiteral(Value::String("hello"), Type::String()));
  auto bad = MakeMapCtor(std::move(k2), std::move(v2));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "invalid input syntax for type INTEGER: \"hello\".");
}

}  // namespace
