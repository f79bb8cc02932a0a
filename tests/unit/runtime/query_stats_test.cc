// Engine::Stats: a query's lag over its input partitions, records in and out, and processing
// errors (DESCRIBE EXTENDED and /metrics show these). Expected figures are what the test wrote.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "dsl/parser.h"
#include "engine/io/memory_log.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/introspect.h"
#include "engine/state/state_db.h"

namespace eddy {
namespace {

void Write(Engine& e, const std::string& key, const std::string& value) {
  RawRecord r;
  r.key.emplace(key);
  r.value.emplace(value);
  r.timestamp = 1000;
  REQUIRE(e.Produce("nums", std::move(r)).ok());
}

TEST_CASE("a query's lag is the records after its position, errors are counted per query", "[runtime][stats]") {
  MemoryLog log;
  Engine e(EngineOptions{.log = &log});
  REQUIRE(e.ExecuteScript("CREATE STREAM NUMS (K VARCHAR KEY, V BIGINT) WITH (KAFKA_TOPIC='nums', "
                          "VALUE_FORMAT='JSON', PARTITIONS=1);"
                          "CREATE TABLE TOTALS AS SELECT K, SUM(V) AS TOTAL FROM NUMS GROUP BY K;")
              .ok());
  const std::string id = e.catalog().FindSource("TOTALS")->query_id;
  std::optional<Engine::QueryStats> s = e.Stats(id);
  REQUIRE(s);
  CHECK(s->lag == 0);
  // 7 records written, not processed yet: lag 7; 2 of them unreadable.
  for (int i = 0; i < 5; ++i) Write(e, "k" + std::to_string(i % 2), "{\"V\": " + std::to_string(i) + "}");
  Write(e, "k0", "{\"V\": ");
  Write(e, "k1", "not json");
  s = e.Stats(id);
  CHECK(s->lag == 7);
  CHECK(s->records_in == 0);
  REQUIRE(e.RunUntilIdle().ok());
  s = e.Stats(id);
  CHECK(s->lag == 0);
  CHECK(s->records_in == 5);
  CHECK(s->records_out == 5);
  CHECK(e.processing_log().count(id) == 2);
  CHECK(e.processing_log().count("NO_SUCH_QUERY") == 0);
  CHECK(!s->restoring);
  CHECK(s->restored == 0);

  // DESCRIBE EXTENDED says so.
  Result<std::vector<dsl::Statement>> st = dsl::ParseStatements("DESCRIBE TOTALS EXTENDED;");
  REQUIRE(st.ok());
  Result<TextTable> t = Introspect(e, st.value()[0]);
  REQUIRE(t.ok());
  CHECK(t->note.find("Query " + id + ": running, lag 0, 2 processing errors, restored 0 of 0 changelog records") !=
        std::string::npos);
}

}  // namespace
}  // namespace eddy
