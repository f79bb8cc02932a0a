// libFuzzer target: the statement parser, the analyzer and the planner. The input is a script of
// statements; each one that parses is executed on a fresh in-memory engine that already has a
// few sources of every type, and a few records then flow through whatever queries it started.
// Any outcome is fine but a crash, a sanitizer report, a hang or an exception escaping.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "dsl/parser.h"
#include "engine/io/memory_log.h"
#include "engine/runtime/engine.h"

namespace {

constexpr std::string_view kPrelude = R"(
CREATE STREAM FUZZ_S (K VARCHAR KEY, I INT, B BIGINT, D DOUBLE, DEC DECIMAL(4, 2), STR VARCHAR,
  BO BOOLEAN, ARR ARRAY<INT>, M MAP<VARCHAR, INT>, ST STRUCT<A INT, B VARCHAR>, TS TIMESTAMP,
  DT DATE, TM TIME, BYT BYTES) WITH (KAFKA_TOPIC='fuzz_s', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE TABLE FUZZ_T (K VARCHAR PRIMARY KEY, I INT, STR VARCHAR)
  WITH (KAFKA_TOPIC='fuzz_t', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE STREAM FUZZ_D (K INT KEY, A VARCHAR, B DOUBLE)
  WITH (KAFKA_TOPIC='fuzz_d', VALUE_FORMAT='DELIMITED', PARTITIONS=1);
)";

void Append(eddy::MemoryLog& log, const char* topic, const char* key, const char* value, int64_t ts) {
  eddy::RawRecord r;
  if (key) r.key = key;
  if (value) r.value = value;
  r.timestamp = ts;
  (void)log.Append(topic, r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  eddy::dsl::ParseErrorInfo info;
  eddy::dsl::ParseOptions po;
  po.error_info = &info;
  eddy::Result<std::vector<eddy::dsl::Statement>> parsed = eddy::dsl::ParseStatements(text, po);
  if (!parsed.ok()) return 0;

  eddy::MemoryLog log;
  eddy::EngineOptions eo;
  eo.log = &log;
  eo.now_ms = [] { return int64_t{1700000000000}; };
  eddy::Engine engine(eo);
  if (!engine.ExecuteScript(kPrelude).ok()) __builtin_trap();  // the prelude is valid
  engine.processing_log().set_keep(false);
  for (eddy::dsl::Statement& st : *parsed) {
    (void)engine.Execute(std::make_shared<const eddy::dsl::Statement>(std::move(st)));
  }
  Append(log, "fuzz_s", "k1",
         R"({"I": 1, "B": 2, "D": 0.5, "DEC": 1.25, "STR": "x", "BO": true, "ARR": [1, null], "M": {"a": 1},)"
         R"( "ST": {"A": 1, "B": "b"}, "TS": 1000, "DT": 10, "TM": 1000, "BYT": "AQI="})",
         1000);
  Append(log, "fuzz_s", nullptr, R"({"I": null})", 2000);
  Append(log, "fuzz_s", "k2", "not json", 3000);
  Append(log, "fuzz_t", "k1", R"({"I": 7, "STR": "t"})", 500);
  Append(log, "fuzz_t", "k1", nullptr, 4000);
  Append(log, "fuzz_d", "3", "a,1.5", 1500);
  Append(log, "fuzz_d", "4", "\"unterminated,", 2500);
  (void)engine.RunUntilIdle();
  return 0;
}
