// RekeyOperator in PARTITION BY mode: the new key is appended to the wide row, and a null value
// is re-keyed with only the key-column expressions computed.
#include <catch2/catch.hpp>

#include "tests/unit/operators/collect_operator.h"

#include "engine/function/expr_builder.h"
#include "operators/rekey.h"

namespace eddy {
namespace {

using Collect = testing::CollectOperator;

// Wide row of a stream (K INT KEY, V STRING): [K, V, ROWTIME, ROWPARTITION, ROWOFFSET].
Record Wide(int k, std::optional<std::string> v) {
  Record r;
  r.key = {Value::Int(k)};
  if (v) r.value = Row{Value::Int(k), Value::String(*v), Value::Bigint(0), Value::Int(0), Value::Bigint(0)};
  return r;
}

std::vector<CompiledExprPtr> KeyThenValue() {
  std::vector<CompiledExprPtr> keys;
  keys.push_back(MakeColumn(Section::kValue, 1, Type::String()));  // V
  keys.push_back(MakeColumn(Section::kValue, 0, Type::Int()));     // K
  return keys;
}

TEST_CASE("PARTITION BY appends the new key columns to the value row") {
  RekeyOperator rekey(KeyThenValue(), "V, K", /*append_to_value=*/true, /*input_width=*/5);
  Collect out;
  rekey.set_downstream(&out);
  REQUIRE(rekey.Process(Wide(7, "x"), 0).ok());
  REQUIRE(out.seen.size() == 1);
  const Record& r = out.seen[0];
  REQUIRE(r.key.size() == 2);
  CHECK(r.key[0].as_string() == "x");
  CHECK(r.key[1].as_int() == 7);
  REQUIRE(r.value->size() == 7);
  CHECK((*r.value)[5].as_string() == "x");
  CHECK((*r.value)[6].as_int() == 7);
}

TEST_CASE("PARTITION BY re-keys a null value, computing only key-column expressions") {
  RekeyOperator rekey(KeyThenValue(), "V, K", true, 5);
  rekey.set_null_value_keys({false, true});
  Collect out;
  rekey.set_downstream(&out);
  REQUIRE(rekey.Process(Wide(3, std::nullopt), 0).ok());
  REQUIRE(out.seen.size() == 1);
  CHECK(out.seen[0].is_tombstone());
  REQUIRE(out.seen[0].key.size() == 2);
  CHECK(out.seen[0].key[0].is_null());
  CHECK(out.seen[0].key[1].as_int() == 3);
}

TEST_CASE("a plain re-key drops null values") {
  RekeyOperator rekey(KeyThenValue(), "V, K");
  Collect out;
  rekey.set_downstream(&out);
  REQUIRE(rekey.Process(Wide(3, std::nullopt), 0).ok());
  CHECK(out.seen.empty());
}

TEST_CASE("PARTITION BY NULL leaves no key") {
  RekeyOperator rekey({}, "NULL", true, 5);
  Collect out;
  rekey.set_downstream(&out);
  REQUIRE(rekey.Process(Wide(3, "y"), 0).ok());
  REQUIRE(out.seen.size() == 1);
  CHECK(out.seen[0].key.empty());
  CHECK(out.seen[0].value->size() == 5);
}

}  // namespace
}  // namespace eddy
