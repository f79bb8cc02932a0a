// FlatMapOperator with EXPLODE and CUBE_EXPLODE: padding with NULLs, empty and NULL arrays.
#include <catch2/catch.hpp>

#include "engine/function/expr_builder.h"
#include "engine/function/registry.h"
#include "tests/unit/operators/collect_operator.h"
#include "operators/flat_map.h"

namespace eddy {
namespace {

using Collect = testing::CollectOperator;

Value Ints(std::vector<int> v) {
  ValueList items;
  for (int x : v) items.push_back(Value::Int(x));
  return Value::Array(std::move(items));
}

TableFunctionCall Call(const char* name, int column, const TypePtr& type) {
  auto bound = FunctionRegistry::Builtins().FindTable(name)->bind({type});
  REQUIRE(bound.ok());
  TableFunctionCall call;
  call.impl = bound.value().impl;
  call.args.push_back(MakeColumn(Section::kValue, column, type));
  return call;
}

Record Row2(Value a, Value b) {
  Record r;
  r.key = {Value::String("k")};
  r.value = Row{std::move(a), std::move(b)};
  r.timestamp = 7;
  return r;
}

TEST_CASE("two EXPLODEs give as many rows as the longer array, the shorter padded with NULL") {
  FlatMapSpec spec;
  spec.calls.push_back(Call("EXPLODE", 0, Type::Array(Type::Int())));
  spec.calls.push_back(Call("EXPLODE", 1, Type::Array(Type::Int())));
  FlatMapOperator op(std::move(spec));
  Collect out;
  op.set_downstream(&out);
  REQUIRE(op.Process(Row2(Ints({1, 2}), Ints({10, 11, 12})), 0).ok());
  REQUIRE(out.seen.size() == 3);
  // Each output: the input row, then one column per call.
  CHECK((*out.seen[0].value)[2] == Value::Int(1));
  CHECK((*out.seen[0].value)[3] == Value::Int(10));
  CHECK((*out.seen[1].value)[2] == Value::Int(2));
  CHECK((*out.seen[1].value)[3] == Value::Int(11));
  CHECK((*out.seen[2].value)[2].is_null());
  CHECK((*out.seen[2].value)[3] == Value::Int(12));
  CHECK(out.seen[2].key == Row{Value::String("k")});
  CHECK(out.seen[2].timestamp == 7);
}

TEST_CASE("EXPLODE of NULL or empty arrays gives no row") {
  FlatMapSpec spec;
  spec.calls.push_back(Call("EXPLODE", 0, Type::Array(Type::Int())));
  spec.calls.push_back(Call("EXPLODE", 1, Type::Array(Type::Int())));
  FlatMapOperator op(std::move(spec));
  Collect out;
  op.set_downstream(&out);
  REQUIRE(op.Process(Row2(Value(), Ints({})), 0).ok());
  CHECK(out.seen.empty());
}

TEST_CASE("CUBE_EXPLODE lists each combination once, skipping ones that only differ at a NULL") {
  FlatMapSpec spec;
  spec.calls.push_back(Call("CUBE_EXPLODE", 0, Type::Array(Type::Int())));
  FlatMapOperator op(std::move(spec));
  Collect out;
  op.set_downstream(&out);
  REQUIRE(op.Process(Row2(Ints({1, 2}), Value()), 0).ok());
  REQUIRE(out.seen.size() == 4);
  CHECK((*out.seen[0].value)[2] == Value::Array({Value(), Value()}));
  CHECK((*out.seen[1].value)[2] == Value::Array({Value(), Value::Int(2)}));
  CHECK((*out.seen[2].value)[2] == Value::Array({Value::Int(1), Value()}));
  CHECK((*out.seen[3].value)[2] == Value::Array({Value::Int(1), Value::Int(2)}));
  out.seen.clear();
  REQUIRE(op.Process(Row2(Value::Array({Value::Int(1), Value()}), Value()), 0).ok());
  REQUIRE(out.seen.size() == 2);
  CHECK((*out.seen[0].value)[2] == Value::Array({Value(), Value()}));
  CHECK((*out.seen[1].value)[2] == Value::Array({Value::Int(1), Value()}));
}

}  // namespace
}  // namespace eddy
