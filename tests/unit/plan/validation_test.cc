// The planner's statement checks that follow ksqlDB's analyzer: the GROUP BY rules of its
// AggregateAnalyzer, windowed sources (WINDOW_TYPE / WINDOW_SIZE) and the joins they may take
// part in. Expected messages are ksqlDB's (its golden tests and source); which statements are
// accepted is worked out from its rules by hand.
#include <catch2/catch.hpp>

#include "tests/unit/plan/plan_util.h"

namespace eddy {
namespace {

using testing::Plan;

// The message of the last statement's error ("ok" when it plans), the others must plan.
std::string Outcome(const std::vector<std::string>& statements) {
  Catalog catalog;
  for (size_t i = 0; i + 1 < statements.size(); ++i) REQUIRE(Plan(catalog, statements[i]).ok());
  Result<PlannedStatement> p = Plan(catalog, statements.back());
  return p.ok() ? "ok" : p.status().message();
}

const char* kStream = "CREATE STREAM TEST (K STRING KEY, F1 INT, F2 INT, M MAP<STRING, STRING>) "
                      "WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON');";

TEST_CASE("GROUP BY: a SELECT item must be a grouping expression or built of grouping expressions") {
  using Catch::Matchers::StartsWith;
  // Accepted: the grouping expression itself, a function of grouping columns only, a constant.
  CHECK(Outcome({kStream, "CREATE TABLE O AS SELECT F1, ABS(F1) AS A, 1 AS C, COUNT(*) FROM TEST GROUP BY F1;"}) ==
        "ok");
  // Rejected, named as ksqlDB prints them (unqualified, in projection order).
  CHECK_THAT(Outcome({kStream, "CREATE TABLE O AS SELECT F2, COUNT(*) FROM TEST GROUP BY F1;"}),
             StartsWith("Non-aggregate SELECT expression(s) not part of GROUP BY: F2\nEither add the column(s) to "
                        "the GROUP BY or remove them from the SELECT."));
  CHECK_THAT(Outcome({kStream, "CREATE TABLE O AS SELECT F2 - F1, COUNT(*) FROM TEST GROUP BY F1 - F2;"}),
             StartsWith("Non-aggregate SELECT expression(s) not part of GROUP BY: (F2 - F1)\n"));
  CHECK_THAT(Outcome({kStream, "CREATE TABLE O AS SELECT TEST.F1, TEST.F2, COUNT(*) FROM TEST GROUP BY F2 + F1;"}),
             StartsWith("Non-aggregate SELECT expression(s) not part of GROUP BY: F1, F2\n"));
  // A column outside the aggregate call of an item that has one.
  CHECK_THAT(Outcome({kStream, "CREATE TABLE O AS SELECT F2 * SUM(F1) FROM TEST GROUP BY F1;"}),
             StartsWith("Non-aggregate SELECT expression(s) not part of GROUP BY: (F2 * SUM(F1))\n"));
  // The map itself is not the subscript the query groups by.
  CHECK_THAT(Outcome({kStream, "CREATE TABLE O AS SELECT M['a'], AS_VALUE(M) AS X, COUNT(*) FROM TEST "
                               "GROUP BY M['a'];"}),
             StartsWith("Non-aggregate SELECT expression(s) not part of GROUP BY: AS_VALUE(M)\n"));
}

TEST_CASE("GROUP BY: HAVING reads grouping columns outside its aggregate calls") {
  using Catch::Matchers::StartsWith;
  CHECK(Outcome({kStream, "CREATE TABLE O AS SELECT F1, COUNT(*) FROM TEST GROUP BY F1 HAVING F1 > 2 AND "
                          "SUM(F2) > 1;"}) == "ok");
  CHECK_THAT(Outcome({kStream, "CREATE TABLE O AS SELECT F1, COUNT(*) FROM TEST GROUP BY F1 HAVING F2 > 2;"}),
             StartsWith("Non-aggregate HAVING expression not part of GROUP BY: F2\n"));
}

TEST_CASE("GROUP BY: nested aggregates, duplicates, KAFKA values, key aliases") {
  CHECK(Outcome({kStream, "CREATE TABLE O AS SELECT F1, SUM(COUNT()) FROM TEST GROUP BY F1;"}) ==
        "Aggregate functions can not be nested: SUM(COUNT())");
  CHECK(Outcome({kStream, "CREATE TABLE O AS SELECT COUNT(*) FROM TEST GROUP BY F1, TEST.F1;"}) ==
        "Duplicate GROUP BY expression: TEST.F1");
  CHECK(Outcome({"CREATE STREAM K (ID STRING KEY, V STRING) WITH (KAFKA_TOPIC='k', VALUE_FORMAT='KAFKA');",
                 "CREATE TABLE O WITH (VALUE_FORMAT='JSON') AS SELECT V, COUNT(*) FROM K GROUP BY V;"}) ==
        "Source(s) K are using the 'KAFKA' value format. This format does not yet support GROUP BY.");
  CHECK(Outcome({kStream, "CREATE TABLE O AS SELECT F1, F1 AS G, COUNT(*) FROM TEST GROUP BY F1;"}) ==
        "The projection contains a key column more than once: `F1` and `G`.");
  CHECK(Outcome({kStream, "CREATE TABLE O AS SELECT F1 AS C, COUNT(*) AS C FROM TEST GROUP BY F1;"}) ==
        "Duplicate value columns found in schema: `C` BIGINT");
}

TEST_CASE("GROUP BY with a window: the bounds are grouping columns, but not inside aggregates or WHERE") {
  using Catch::Matchers::StartsWith;
  CHECK(Outcome({kStream, "CREATE TABLE O AS SELECT F1, WINDOWSTART / 2 AS W, COUNT(*) FROM TEST "
                          "WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY F1;"}) == "ok");
  CHECK_THAT(Outcome({kStream, "CREATE TABLE O AS SELECT F1, MAX(WINDOWEND) FROM TEST WINDOW TUMBLING (SIZE 1 "
                               "SECOND) GROUP BY F1;"}),
             StartsWith("Window bounds column WINDOWEND can only be used in the SELECT clause of windowed "
                        "aggregations"));
  CHECK(Outcome({kStream, "CREATE TABLE O AS SELECT F1, COUNT(1) FROM TEST WINDOW TUMBLING (SIZE 1 SECOND) "
                          "WHERE MIN(WINDOWEND) < 5 GROUP BY F1;"}) ==
        "Error in WHERE expression: Unknown column WINDOWEND.");
}

TEST_CASE("Windowed sources: WINDOW_TYPE and WINDOW_SIZE") {
  Catalog catalog;
  REQUIRE(Plan(catalog, "CREATE STREAM S (K INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', "
                        "WINDOW_TYPE='Tumbling', WINDOW_SIZE='30 seconds');").ok());
  const SourceDef* s = catalog.FindSource("S");
  REQUIRE(s);
  CHECK(s->window_type == "TUMBLING");
  CHECK(s->window_size_ms == std::optional<int64_t>(30000));
  // A query over it keeps its windows; one that windows an aggregate takes its own.
  Result<PlannedStatement> copy = Plan(catalog, "CREATE STREAM C AS SELECT * FROM S WHERE WINDOWSTART >= 0;");
  REQUIRE(copy.ok());
  CHECK(copy.value().source->window_type == "TUMBLING");
  CHECK(copy.value().source->schema.ToString() == "`K` INTEGER KEY, `V` INTEGER");
  REQUIRE(Plan(catalog, "CREATE STREAM P (K INT KEY, V INT) WITH (KAFKA_TOPIC='p', VALUE_FORMAT='JSON');").ok());
  Result<PlannedStatement> agg =
      Plan(catalog, "CREATE TABLE A AS SELECT K, COUNT(*) FROM P WINDOW SESSION (5 SECONDS) GROUP BY K;");
  REQUIRE(agg.ok());
  CHECK(agg.value().source->window_type == "SESSION");

  CHECK(Outcome({"CREATE TABLE T (K STRING PRIMARY KEY, V INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', "
                 "WINDOW_TYPE='Session', WINDOW_SIZE='30 seconds');"}) ==
        "'WINDOW_SIZE' should not be set for SESSION windows.");
  CHECK(Outcome({"CREATE STREAM T (V INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', WINDOW_TYPE='SESSION');"}) ==
        "Windowed sources require a key column.");
}

TEST_CASE("Joins of windowed sources") {
  const char* session = "CREATE STREAM S1 (ID INT KEY, X INT, V BIGINT) WITH (KAFKA_TOPIC='l', VALUE_FORMAT='JSON', "
                        "WINDOW_TYPE='SESSION');";
  CHECK(Outcome({session, "CREATE STREAM S2 (ID INT KEY, V BIGINT) WITH (KAFKA_TOPIC='r', VALUE_FORMAT='JSON');",
                 "CREATE STREAM O AS SELECT * FROM S1 JOIN S2 WITHIN 1 MINUTE ON S1.ID = S2.ID;"}) ==
        "Can not join windowed source to non-windowed source.\n`S1` is SESSION windowed\n`S2` is not windowed");
  CHECK(Outcome({session, "CREATE STREAM S2 (ID INT KEY, V BIGINT) WITH (KAFKA_TOPIC='r', VALUE_FORMAT='JSON', "
                          "WINDOW_TYPE='HOPPING', WINDOW_SIZE='2 SECONDS');",
                 "CREATE STREAM O AS SELECT * FROM S1 JOIN S2 WITHIN 1 MINUTE ON S1.ID = S2.ID;"})
            .rfind("Incompatible windowed sources.\nLeft source: SESSION\nRight source: HOPPING\n", 0) == 0);
  // Joining on anything but the key would re-key a windowed source.
  CHECK(Outcome({session, "CREATE STREAM S2 (ID INT KEY, X INT) WITH (KAFKA_TOPIC='r', VALUE_FORMAT='JSON', "
                          "WINDOW_TYPE='SESSION');",
                 "CREATE STREAM O AS SELECT * FROM S1 JOIN S2 WITHIN 1 MINUTE ON S1.X = S2.X;"}) ==
        "Implicit repartitioning of windowed sources is not supported. See "
        "https://github.com/confluentinc/ksql/issues/4385.");
}

TEST_CASE("Header columns: ksqlDB's types, one HEADERS column, one column per header key") {
  auto create = [](const std::string& columns) {
    return "CREATE STREAM S (K STRING KEY, V BIGINT, " + columns + ") WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');";
  };
  const std::string headers = "ARRAY<STRUCT<key STRING, value BYTES>> HEADERS";
  CHECK(Outcome({create("H1 BYTES HEADER('a'), H2 BYTES HEADER('b')")}) == "ok");
  CHECK(Outcome({create("H " + headers)}) == "ok");
  // ksqlDB's messages (headers.json, its LogicalSchema and AstBuilder); its rules apply in
  // declaration order, so a HEADERS column after HEADER('a') is accepted.
  CHECK(Outcome({create("H1 BYTES HEADER('a'), H " + headers)}) == "ok");
  CHECK(Outcome({create("H1 " + headers + ", H2 " + headers)}) == "Schema already contains a HEADERS column.");
  CHECK(Outcome({create("H1 " + headers + ", H2 BYTES HEADER('blah')")}) ==
        "Schema already contains a HEADERS column.");
  CHECK(Outcome({create("H1 BYTES HEADER('blah'), H2 BYTES HEADER('blah')")}) ==
        "Schema already contains a HEADER('blah') column.");
  CHECK(Outcome({create("H1 ARRAY<STRUCT<k STRING, value BYTES>> HEADERS")}) ==
        "Invalid type for HEADERS column: expected ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>>, got "
        "ARRAY<STRUCT<`K` STRING, `VALUE` BYTES>>");
  CHECK(Outcome({create("H1 STRING HEADER('x')")}) == "Invalid type for HEADER('x') column: expected BYTES, got STRING");
  // Writing into them: INSERT VALUES naming one (or all columns), INSERT INTO ... SELECT.
  const std::string src = create("H1 BYTES HEADER('a')");
  CHECK(Outcome({src, "INSERT INTO S (K, V) VALUES ('k', 1);"}) == "ok");
  CHECK(Outcome({src, "INSERT INTO S (K, H1) VALUES ('k', NULL);"}) == "Cannot insert into HEADER columns: H1");
  CHECK(Outcome({src, "INSERT INTO S VALUES ('k', 1, NULL);"}) == "Cannot insert into HEADER columns: H1");
  CHECK(Outcome({src, "CREATE STREAM O (K STRING KEY, V BIGINT, H1 BYTES) WITH (KAFKA_TOPIC='o', VALUE_FORMAT='JSON');",
                 "INSERT INTO S SELECT * FROM O;"}) == "Cannot insert into S because it has header columns");
}

}  // namespace
}  // namespace eddy
