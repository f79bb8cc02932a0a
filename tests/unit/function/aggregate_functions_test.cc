// TOPK, TOPKDISTINCT, CORRELATION, STDDEV_SAMPLE / STDDEV_SAMP, HISTOGRAM, COUNT_DISTINCT,
// SUM_LIST and ATTR. Expected values are worked out by hand (noted beside each).
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/function/registry.h"

namespace eddy {
namespace {

std::unique_ptr<Aggregator> Bind(const char* name, std::vector<TypePtr> types, std::vector<const Value*> constants = {}) {
  const AggregateFunction* fn = FunctionRegistry::Builtins().FindAggregate(name);
  REQUIRE(fn);
  constants.resize(types.size(), nullptr);
  size_t n = 0;
  auto bound = fn->bind(types, constants, &n);
  REQUIRE(bound.ok());
  return std::move(bound).value();
}

Value Fold(const Aggregator& agg, const std::vector<Value>& values) {
  Value s = agg.Init();
  for (const Value& v : values) s = agg.Accumulate(s, &v, 1);
  return s;
}

std::vector<Value> Ints(std::vector<int> v) {
  std::vector<Value> out;
  for (int x : v) out.push_back(Value::Int(x));
  return out;
}

TEST_CASE("TOPK keeps the k largest, duplicates included; TOPKDISTINCT each value once", "[function][aggregate]") {
  Value k = Value::Int(3);
  auto topk = Bind("TOPK", {Type::Int(), Type::Int()}, {nullptr, &k});
  // 0, 100, 99, 7, 100 -> the three largest: 100, 100, 99.
  CHECK(topk->Result(Fold(*topk, Ints({0, 100, 99, 7, 100}))) ==
        Value::Array({Value::Int(100), Value::Int(100), Value::Int(99)}));
  auto distinct = Bind("TOPKDISTINCT", {Type::Int(), Type::Int()}, {nullptr, &k});
  CHECK(distinct->Result(Fold(*distinct, Ints({0, 100, 99, 7, 100}))) ==
        Value::Array({Value::Int(100), Value::Int(99), Value::Int(7)}));
  // NULLs are ignored.
  CHECK(topk->Result(Fold(*topk, {Value(), Value::Int(5)})) == Value::Array({Value::Int(5)}));
}

TEST_CASE("TOPK with another column orders structs by the first, ties in arrival order", "[function][aggregate]") {
  Value k = Value::Int(2);
  auto topk = Bind("TOPK", {Type::Int(), Type::String(), Type::Int()}, {nullptr, nullptr, &k});
  REQUIRE(topk->return_type()->element->kind == TypeKind::kStruct);
  Value s = topk->Init();
  std::vector<std::pair<int, const char*>> rows = {{5, "a"}, {9, "b"}, {9, "c"}, {1, "d"}};
  for (const auto& [v, name] : rows) {
    Value args[2] = {Value::Int(v), Value::String(name)};
    s = topk->Accumulate(s, args, 2);
  }
  // 9 "b" came before 9 "c"; 5 and 1 fall out.
  CHECK(topk->Result(s) == Value::Array({Value::Struct({Value::Int(9), Value::String("b")}),
                                         Value::Struct({Value::Int(9), Value::String("c")})}));
}

TEST_CASE("CORRELATION is Pearson's coefficient; one pair gives NaN", "[function][aggregate]") {
  auto corr = Bind("CORRELATION", {Type::Int(), Type::Int()});
  Value s = corr->Init();
  // (1, 8), (-1, -2), (-4, -1): n = 3, sx = -4, sy = 5, sxx = 18, syy = 69, sxy = 14;
  // (3*14 - (-4)(5)) / sqrt((3*18 - 16) * (3*69 - 25)) = 62 / sqrt(38 * 182).
  int pairs[3][2] = {{1, 8}, {-1, -2}, {-4, -1}};
  for (int i = 0; i < 3; ++i) {
    Value args[2] = {Value::Int(pairs[i][0]), Value::Int(pairs[i][1])};
    s = corr->Accumulate(s, args, 2);
    if (i == 0) CHECK(std::isnan(corr->Result(s).as_double()));
  }
  CHECK(corr->Result(s).as_double() == Approx(62.0 / std::sqrt(38.0 * 182.0)));
  // Undo the last pair: (1, 8), (-1, -2) lie on a line with positive slope.
  Value last[2] = {Value::Int(-4), Value::Int(-1)};
  CHECK(corr->Result(corr->Undo(s, last, 2)).as_double() == Approx(1.0));
}

TEST_CASE("STDDEV_SAMPLE is the sample deviation, STDDEV_SAMP (as ksqlDB) the variance", "[function][aggregate]") {
  auto sample = Bind("STDDEV_SAMPLE", {Type::Double()});
  auto samp = Bind("STDDEV_SAMP", {Type::Double()});
  std::vector<Value> v = {Value::Double(10), Value::Double(12), Value::Double(13)};
  // Mean 35/3; squared deviations sum to 14/3; / (n - 1) = 7/3.
  CHECK(sample->Result(Fold(*sample, v)).as_double() == Approx(std::sqrt(7.0 / 3.0)));
  CHECK(samp->Result(Fold(*samp, v)).as_double() == Approx(7.0 / 3.0));
  CHECK(samp->Result(Fold(*samp, {Value::Double(4)})).as_double() == 0.0);
  auto ints = Bind("STDDEV_SAMP", {Type::Int()});
  // 0 and 10: variance 50.
  CHECK(ints->Result(Fold(*ints, Ints({0, 10}))).as_double() == Approx(50.0));
}

TEST_CASE("HISTOGRAM counts values; undo drops a value at zero", "[function][aggregate]") {
  auto h = Bind("HISTOGRAM", {Type::String()});
  Value s = Fold(*h, {Value::String("a"), Value::String("b"), Value::String("a")});
  CHECK(h->Result(s) == Value::Map({{Value::String("a"), Value::Bigint(2)}, {Value::String("b"), Value::Bigint(1)}}));
  Value b = Value::String("b");
  CHECK(h->Result(h->Undo(s, &b, 1)) == Value::Map({{Value::String("a"), Value::Bigint(2)}}));
}

TEST_CASE("COUNT_DISTINCT counts small sets exactly", "[function][aggregate]") {
  auto c = Bind("COUNT_DISTINCT", {Type::String()});
  CHECK(c->Result(c->Init()).as_bigint() == 0);
  CHECK(c->Result(Fold(*c, {Value::String("one"), Value::String("two"), Value::String("one"), Value()})).as_bigint() ==
        2);
}

TEST_CASE("SUM_LIST adds the non-NULL elements of each list", "[function][aggregate]") {
  auto s = Bind("SUM_LIST", {Type::Array(Type::Int())});
  Value a = Value::Array({Value::Int(1), Value::Int(2), Value()});
  Value b = Value::Array({Value::Int(3)});
  CHECK(s->Result(Fold(*s, {a, b, Value()})) == Value::Int(6));
  CHECK(s->Result(s->Undo(Fold(*s, {a, b}), &a, 1)) == Value::Int(3));
}

TEST_CASE("ATTR is the single value, NULL once there are two", "[function][aggregate]") {
  auto attr = Bind("ATTR", {Type::String()});
  Value x = Value::String("x"), y = Value::String("y");
  Value s = Fold(*attr, {x, x});
  CHECK(attr->Result(s) == x);
  s = attr->Accumulate(s, &y, 1);
  CHECK(attr->Result(s).is_null());
  CHECK(attr->Result(attr->Undo(s, &y, 1)) == x);
}

TEST_CASE("COLLECT_LIST / COLLECT_SET read their limit from the properties", "[function][aggregate]") {
  // ksqlDB's CollectListUdaf / CollectSetUdaf: no limit unless configured; a negative limit is none.
  auto list = Bind("COLLECT_LIST", {Type::Int()});
  CHECK(list->Result(Fold(*list, Ints({1, 2, 3}))) == Value::Array(Ints({1, 2, 3})));
  REQUIRE(list->Configure({{"ksql.functions.collect_list.limit", "2"}, {"ksql.functions.collect_set.limit", "1"}}).ok());
  CHECK(list->Result(Fold(*list, Ints({1, 2, 3}))) == Value::Array(Ints({1, 2})));
  // A merge keeps the first state and fills up to the limit from the second.
  CHECK(list->Merge(Fold(*list, Ints({1})), Fold(*list, Ints({5, 6}))) == Value::Array(Ints({1, 5})));
  auto set = Bind("COLLECT_SET", {Type::Int()});
  REQUIRE(set->Configure({{"ksql.functions.collect_set.limit", "2"}}).ok());
  CHECK(set->Result(Fold(*set, Ints({4, 4, 5, 6}))) == Value::Array(Ints({4, 5})));
  REQUIRE(set->Configure({{"ksql.functions.collect_set.limit", "-1"}}).ok());
  CHECK(set->Result(Fold(*set, Ints({4, 4, 5, 6}))) == Value::Array(Ints({4, 5, 6})));
  CHECK(!set->Configure({{"ksql.functions.collect_set.limit", "ten"}}).ok());  // Integer.parseInt fails
}

TEST_CASE("LATEST_BY_OFFSET / EARLIEST_BY_OFFSET with N merge sessions by record order",
          "[function][aggregate]") {
  Value two = Value::Int(2), no = Value::Boolean(false);
  // EARLIEST_BY_OFFSET(x, 2, false): session A saw NULL, session B then saw 1; merged they are
  // [NULL, 1] (earliest-offset-udaf.json "merging session windows - with nulls not ignored - N").
  auto earliest = Bind("EARLIEST_BY_OFFSET", {Type::Int(), Type::Int(), Type::Boolean()}, {nullptr, &two, &no});
  Value a = Fold(*earliest, {Value()});
  Value b = Fold(*earliest, Ints({1}));
  CHECK(earliest->Result(earliest->Merge(a, b)) == Value::Array({Value(), Value::Int(1)}));
  CHECK(earliest->Result(earliest->Merge(b, a)) == Value::Array({Value(), Value::Int(1)}));  // by sequence
  // LATEST_BY_OFFSET(x, 2): records 1, 2 in session A, 3 in session B. ksqlDB's merge sorts by
  // sequence and keeps the first N: [1, 2].
  auto latest = Bind("LATEST_BY_OFFSET", {Type::Int(), Type::Int()}, {nullptr, &two});
  Value la = Fold(*latest, Ints({1, 2}));
  Value lb = Fold(*latest, Ints({3}));
  CHECK(latest->Result(latest->Merge(lb, la)) == Value::Array(Ints({1, 2})));
  CHECK(latest->Result(latest->Accumulate(la, &two, 1)) == Value::Array(Ints({2, 2})));
  // A state of the older layout (the values alone) is still read.
  CHECK(latest->Result(Value::Array(Ints({7, 8}))) == Value::Array(Ints({7, 8})));
  CHECK(latest->Result(latest->Merge(Value::Array(Ints({7})), lb)) == Value::Array(Ints({3, 7})));
}

TEST_CASE("functions with a STRUCT, ARRAY or MAP state say so", "[function][aggregate]") {
  const FunctionRegistry& r = FunctionRegistry::Builtins();
  for (const char* name : {"AVG", "TOPK", "TOPKDISTINCT", "CORRELATION", "STDDEV_SAMP", "COLLECT_LIST", "HISTOGRAM"})
    CHECK(r.FindAggregate(name)->complex_state);
  for (const char* name : {"COUNT", "SUM", "MIN", "MAX", "SUM_LIST"}) CHECK(!r.FindAggregate(name)->complex_state);
}

}  // namespace
}  // namespace eddy
