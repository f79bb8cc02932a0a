// CREATE TYPE / DROP TYPE through the engine: ksqlDB's errors (texts from ksqlDB's
// RegisterTypeFactory), and custom types surviving a restart on the same state.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "engine/io/memory_log.h"
#include "engine/runtime/engine.h"
#include "engine/state/state_db.h"

namespace eddy {
namespace {

TEST_CASE("custom types are registered, used, dropped and kept across a restart", "[runtime][types]") {
  MemoryLog log;
  StateDbOptions so;
  so.in_memory = true;
  Result<std::unique_ptr<StateDb>> db = StateDb::Open("/custom-type-test", so);
  REQUIRE(db.ok());
  EngineOptions eo;
  eo.log = &log;
  eo.db = db->get();
  {
    Result<std::unique_ptr<Engine>> engine = Engine::Open(eo);
    REQUIRE(engine.ok());
    Engine& e = **engine;
    REQUIRE(e.ExecuteScript("CREATE TYPE ADDRESS AS STRUCT<number INTEGER, city VARCHAR>;"
                            "CREATE STREAM people (K STRING KEY, a ADDRESS) WITH (kafka_topic='p', "
                            "value_format='JSON', partitions=1);")
                .ok());
    const SourceDef* people = e.catalog().FindSource("PEOPLE");
    REQUIRE(people != nullptr);
    CHECK(people->schema.value[0].type->ToString() == "STRUCT<`NUMBER` INTEGER, `CITY` STRING>");
    Status again = e.ExecuteScript("CREATE TYPE ADDRESS AS STRUCT<x INTEGER>;");
    CHECK(again.message() ==
          "Cannot register custom type 'ADDRESS' since it is already registered with type: "
          "STRUCT<`NUMBER` INTEGER, `CITY` STRING>");
    CHECK(e.ExecuteScript("CREATE TYPE IF NOT EXISTS ADDRESS AS STRUCT<x INTEGER>;").ok());
    CHECK(e.ExecuteScript("CREATE TYPE GONE AS ARRAY<STRING>; DROP TYPE GONE;").ok());
    CHECK_FALSE(e.ExecuteScript("DROP TYPE GONE;").ok());
    CHECK(e.ExecuteScript("DROP TYPE IF EXISTS GONE;").ok());
    REQUIRE(e.Commit().ok());
  }
  Result<std::unique_ptr<Engine>> reopened = Engine::Open(eo);
  REQUIRE(reopened.ok());
  Engine& e = **reopened;
  REQUIRE(e.catalog().types().count("ADDRESS") == 1);
  CHECK(e.catalog().types().count("GONE") == 0);
  CHECK(e.ExecuteScript("CREATE STREAM more (K STRING KEY, a ARRAY<address>) WITH (kafka_topic='m', "
                        "value_format='JSON', partitions=1);")
            .ok());
  // An unknown type name is the parser's error.
  CHECK_FALSE(e.ExecuteScript("CREATE STREAM bad (a NOPE) WITH (kafka_topic='b', value_format='JSON');").ok());
}

}  // namespace
}  // namespace eddy
