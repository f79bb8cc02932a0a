// The planner's PARTITION BY: the sink schema (key naming, column order), and its errors.
// Expected schemas follow ksqlDB's rules: a column reference keeps its name, a struct field its
// field name, anything else takes the first free KSQL_COL_n; SELECT * lists the new key, then
// the source's value columns, then its old key columns.
#include <catch2/catch.hpp>

#include "tests/unit/plan/plan_util.h"

namespace eddy {
namespace {

using testing::Plan;

std::string SinkSchema(const std::string& input, const std::string& query) {
  Catalog catalog;
  REQUIRE(Plan(catalog, input).ok());
  Result<PlannedStatement> p = Plan(catalog, query);
  if (!p.ok()) return "error: " + p.status().message();
  return p.value().source->schema.ToString();
}

std::string Error(const std::string& input, const std::string& query) {
  Catalog catalog;
  REQUIRE(Plan(catalog, input).ok());
  Result<PlannedStatement> p = Plan(catalog, query);
  return p.ok() ? "ok" : p.status().message();
}

const char* kInput =
    "CREATE STREAM INPUT (ID INT KEY, NAME STRING, ADDR STRUCT<TOWN STRING>) "
    "WITH (KAFKA_TOPIC='in', VALUE_FORMAT='JSON');";

TEST_CASE("PARTITION BY a value column moves it to the key and the old key to the value") {
  CHECK(SinkSchema(kInput, "CREATE STREAM O AS SELECT * FROM INPUT PARTITION BY NAME;") ==
        "`NAME` STRING KEY, `ADDR` STRUCT<`TOWN` STRING>, `ID` INTEGER");
}

TEST_CASE("PARTITION BY a struct field names the key after the field") {
  CHECK(SinkSchema(kInput, "CREATE STREAM O AS SELECT ID, ADDR->TOWN FROM INPUT PARTITION BY ADDR->TOWN;") ==
        "`TOWN` STRING KEY, `ID` INTEGER");
}

TEST_CASE("PARTITION BY an expression names the key KSQL_COL_0, and an alias wins") {
  CHECK(SinkSchema(kInput, "CREATE STREAM O AS SELECT NAME, ABS(ID) FROM INPUT PARTITION BY ABS(ID);") ==
        "`KSQL_COL_0` INTEGER KEY, `NAME` STRING");
  CHECK(SinkSchema(kInput, "CREATE STREAM O AS SELECT ABS(ID) AS K, NAME FROM INPUT PARTITION BY ABS(ID);") ==
        "`K` INTEGER KEY, `NAME` STRING");
}

TEST_CASE("PARTITION BY several expressions keeps their order in the key") {
  CHECK(SinkSchema(kInput,
                   "CREATE STREAM O WITH (KEY_FORMAT='JSON') AS SELECT ID, NAME, ADDR FROM INPUT PARTITION BY NAME, ID;") ==
        "`NAME` STRING KEY, `ID` INTEGER KEY, `ADDR` STRUCT<`TOWN` STRING>");
}

TEST_CASE("PARTITION BY NULL leaves no key columns") {
  CHECK(SinkSchema(kInput, "CREATE STREAM O AS SELECT ID, NAME FROM INPUT PARTITION BY NULL;") ==
        "`ID` INTEGER, `NAME` STRING");
}

TEST_CASE("PARTITION BY errors use ksqlDB's words") {
  CHECK(Error(kInput, "CREATE STREAM O AS SELECT NAME FROM INPUT PARTITION BY ABS(ID);") ==
        "The query used to build `O` must include the partitioning expression ABS(INPUT.ID) in its projection "
        "(eg, SELECT ABS(INPUT.ID)...).");
  CHECK(Error(kInput, "CREATE STREAM O AS SELECT NAME AS X, ID FROM INPUT PARTITION BY X;") ==
        "PARTITION BY column 'X' cannot be resolved. 'X' must be a column in the source schema since PARTITION BY "
        "is applied on the input.");
  CHECK(Error(kInput, "CREATE STREAM O AS SELECT ID, NAME FROM INPUT PARTITION BY NULL, ID;") ==
        "Cannot PARTITION BY multiple columns including NULL");
  CHECK(Error(kInput, "CREATE STREAM O AS SELECT NAME, NAME AS N2, ID FROM INPUT PARTITION BY NAME;") ==
        "The projection contains a key column (`NAME`) more than once, aliased as: NAME and N2.");
}

TEST_CASE("PARTITION BY after a join re-keys the join's schema, its columns named SOURCE_COLUMN") {
  // ksqlDB's partition-by.json "only key column - select star - with join on keys".
  Catalog catalog;
  REQUIRE(Plan(catalog, "CREATE STREAM L (A INT KEY, B INT, C INT) WITH (kafka_topic='LEFT', value_format='JSON');").ok());
  REQUIRE(Plan(catalog, "CREATE STREAM R (X INT KEY, Y INT, Z INT) WITH (kafka_topic='RIGHT', value_format='JSON');").ok());
  Result<PlannedStatement> p =
      Plan(catalog, "CREATE STREAM O AS SELECT * FROM L JOIN R WITHIN 10 SECONDS ON L.A = R.X PARTITION BY L.B;");
  REQUIRE(p.ok());
  CHECK(p.value().source->schema.ToString() ==
        "`L_B` INTEGER KEY, `L_C` INTEGER, `L_ROWTIME` BIGINT, `L_ROWPARTITION` INTEGER, `L_ROWOFFSET` BIGINT, "
        "`L_A` INTEGER, `R_Y` INTEGER, `R_Z` INTEGER, `R_ROWTIME` BIGINT, `R_ROWPARTITION` INTEGER, "
        "`R_ROWOFFSET` BIGINT, `R_X` INTEGER");
}

}  // namespace
}  // namespace eddy
