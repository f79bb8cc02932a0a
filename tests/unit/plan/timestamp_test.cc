// The planner's WITH (TIMESTAMP=..., TIMESTAMP_FORMAT=...) on sources and C*AS sinks, and the
// string literals it turns into epoch milliseconds in WHERE comparisons with ROWTIME. Expected
// messages are ksqlDB's (TimestampExtractionPolicyFactory, PartialStringToTimestampParser,
// timestampformat.json).
#include <catch2/catch.hpp>

#include "tests/unit/plan/plan_util.h"

namespace eddy {
namespace {

using testing::Plan;

std::string Error(const std::string& input, const std::string& query = "") {
  Catalog catalog;
  Result<PlannedStatement> p = Plan(catalog, input);
  if (p.ok() && !query.empty()) p = Plan(catalog, query);
  return p.ok() ? "ok" : p.status().message();
}

const char* kInput =
    "CREATE STREAM TEST (K STRING KEY, ID BIGINT, N INT, TXT STRING) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON');";

TEST_CASE("a source's TIMESTAMP may name a key or a value column") {
  Catalog catalog;
  auto p = Plan(catalog,
                "CREATE STREAM S (K BIGINT KEY, ID BIGINT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', TIMESTAMP='K');");
  REQUIRE(p.ok());
  CHECK(p.value().source->timestamp_column == std::optional<std::string>("K"));
  CHECK(Error("CREATE STREAM S (K STRING KEY, TS STRING) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', "
              "TIMESTAMP='ts', TIMESTAMP_FORMAT='yyyy-MM-dd');") == "ok");
}

TEST_CASE("a source's TIMESTAMP column must exist and have a time type") {
  CHECK(Error("CREATE STREAM S (K STRING KEY, ID BIGINT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', "
              "TIMESTAMP='nope');") ==
        "The TIMESTAMP column set in the WITH clause does not exist in the schema: 'NOPE'");
  CHECK(Error("CREATE STREAM S (K STRING KEY, N INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', TIMESTAMP='N');") ==
        "Timestamp column, `N`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified");
  CHECK(Error("CREATE STREAM S (K STRING KEY, T STRING) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', TIMESTAMP='T');") ==
        "A String timestamp field has been specified without also specifying the timestamp_format");
  CHECK(Error("CREATE STREAM S (K STRING KEY, T BIGINT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', TIMESTAMP='T', "
              "TIMESTAMP_FORMAT='yyyy');") ==
        "'TIMESTAMP_FORMAT' set in the WITH clause can only be used when the timestamp column in of type STRING.");
  CHECK(Error("CREATE STREAM S (K STRING KEY, T STRING) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', TIMESTAMP='T', "
              "TIMESTAMP_FORMAT='yyyy-bb');")
            .rfind("Invalid datetime format for config:TIMESTAMP_FORMAT, reason:", 0) == 0);
}

TEST_CASE("a C*AS sink's TIMESTAMP must be a column of its projection") {
  CHECK(Error(kInput, "CREATE STREAM O WITH (TIMESTAMP='id') AS SELECT K, ID FROM TEST;") == "ok");
  CHECK(Error(kInput, "CREATE STREAM O WITH (TIMESTAMP='k', TIMESTAMP_FORMAT='yyyy') AS SELECT K, ID FROM TEST;") ==
        "ok");
  // Checked before the projection's shape (K missing from it).
  CHECK(Error(kInput, "CREATE STREAM O WITH (TIMESTAMP='invalid_ts') AS SELECT ID FROM TEST;") ==
        "The TIMESTAMP column set in the WITH clause does not exist in the schema: 'INVALID_TS'");
  CHECK(Error(kInput, "CREATE STREAM O WITH (TIMESTAMP='n') AS SELECT K, N FROM TEST;") ==
        "Timestamp column, `N`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified");
}

TEST_CASE("a string compared with ROWTIME in WHERE is read as a point in time") {
  CHECK(Error(kInput, "CREATE STREAM O AS SELECT K, ID FROM TEST WHERE ROWTIME > '2018-01-01T00:00:00.001';") == "ok");
  CHECK(Error(kInput, "CREATE STREAM O AS SELECT K, ID FROM TEST WHERE '2018' <= ROWTIME;") == "ok");
  CHECK(Error(kInput, "CREATE STREAM O AS SELECT K, ID FROM TEST WHERE ROWTIME BETWEEN '2018' AND '2019';") == "ok");
  CHECK(Error(kInput, "CREATE STREAM O AS SELECT K, ID FROM TEST WHERE ROWTIME > 'soon';")
            .rfind("Failed to parse timestamp 'soon'", 0) == 0);
  // Only comparisons with ROWTIME, WINDOWSTART or WINDOWEND are rewritten.
  CHECK(Error(kInput, "CREATE STREAM O AS SELECT K, ID FROM TEST WHERE TXT > '2018';") == "ok");
  CHECK(Error(kInput, "CREATE STREAM O AS SELECT K, ID FROM TEST WHERE ID > '2018';") != "ok");
}

}  // namespace
}  // namespace eddy
