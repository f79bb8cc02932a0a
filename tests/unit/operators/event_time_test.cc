// Event times from a column: a source's WITH (TIMESTAMP=...[, TIMESTAMP_FORMAT=...]) and a C*AS
// sink's. Expected behaviour follows ksqlDB's timestamp extractors (timestamp-extractor.json,
// timestampformat.json): a source skips (or, with ksql.timestamp.throw.on.invalid, fails on) a
// record whose time cannot be read; a sink writes each row at its column's time and drops rows
// whose time is null, unreadable or negative.
#include <catch2/catch.hpp>

#include "engine/io/format.h"
#include "operators/processing_log.h"
#include "operators/sink.h"
#include "operators/source.h"
#include "tests/unit/operators/collect_operator.h"

namespace eddy {
namespace {

using Collect = testing::CollectOperator;

class CollectWriter final : public RecordWriter {
 public:
  Status Write(const std::string&, RawRecord record) override {
    written.push_back(std::move(record));
    return Status::Ok();
  }
  std::vector<RawRecord> written;
};

Record Row2(Value key, Value v0, Value v1) {
  Record r;
  r.key = {std::move(key)};
  r.value = Row{std::move(v0), std::move(v1)};
  r.timestamp = 42;
  return r;
}

TEST_CASE("an event-time column reads BIGINT, TIMESTAMP, key columns and formatted text") {
  EventTimeColumn value_col{"TS", 1, false, std::nullopt};
  CHECK(value_col.Extract(Row2(Value::Int(1), Value::Int(0), Value::Bigint(1526075913000))).value() ==
        1526075913000);
  CHECK(value_col.Extract(Row2(Value::Int(1), Value::Int(0), Value::Ts(1589234313000))).value() == 1589234313000);
  CHECK(value_col.Extract(Row2(Value::Int(1), Value::Int(0), Value::Bigint(-1))).value() == -1);
  CHECK_FALSE(value_col.Extract(Row2(Value::Int(1), Value::Int(0), Value::Null())).ok());

  EventTimeColumn key_col{"K", 0, true, std::nullopt};
  CHECK(key_col.Extract(Row2(Value::Bigint(1271678417736), Value::Int(0), Value::Null())).value() == 1271678417736);

  auto parser = TimestampTextParser::Make("yy-MM-dd HH:mm:ssX");
  REQUIRE(parser.ok());
  EventTimeColumn text_col{"TS", 0, false, parser.value()};
  CHECK(text_col.Extract(Row2(Value::Int(1), Value::String("10-04-19 12:00:17Z"), Value::Null())).value() ==
        1271678417000);
  auto bad = text_col.Extract(Row2(Value::Int(1), Value::String("!!!!"), Value::Null()));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("Unable to parse string timestamp") != std::string::npos);
}

TEST_CASE("a sink with a TIMESTAMP column writes each row at that time and drops negative ones") {
  Column k{"K", Type::String(), ColumnRole::kKey, ""};
  Column ts{"SINK_TS", Type::Bigint(), ColumnRole::kValue, ""};
  Column id{"ID", Type::Bigint(), ColumnRole::kValue, ""};
  SinkSpec spec;
  spec.name = "TS";
  spec.topic = "TS";
  spec.key_format = MakeFormat("KAFKA", {k}).value();
  spec.value_format = MakeFormat("JSON", {ts, id}).value();
  spec.timestamp_column = EventTimeColumn{"SINK_TS", 0, false, std::nullopt};
  SinkOperator sink(std::move(spec));
  CollectWriter writer;
  ProcessingLog log;
  OperatorContext ctx;
  ctx.writer = &writer;
  ctx.processing_log = &log;
  REQUIRE(sink.Open(ctx).ok());

  for (int64_t v : {1, -2, 3}) {
    Record r = Row2(Value::String("a"), Value::Bigint(v), Value::Bigint(v));
    r.timestamp = 1526075913000;
    REQUIRE(sink.Process(std::move(r), 0).ok());
  }
  REQUIRE(writer.written.size() == 2);
  CHECK(writer.written[0].timestamp == 1);
  CHECK(writer.written[1].timestamp == 3);
  REQUIRE(log.count() == 1);
  CHECK(log.entries()[0].message.find("Error writing row with extracted timestamp") != std::string::npos);

  // A tombstone has no column to read: it goes out at the stream time.
  Record tomb;
  tomb.key = {Value::String("a")};
  tomb.timestamp = 1526075913500;
  REQUIRE(sink.Process(std::move(tomb), 0).ok());
  REQUIRE(writer.written.size() == 3);
  CHECK_FALSE(writer.written[2].value.has_value());
  CHECK(writer.written[2].timestamp == 1526075913500);
}

SourceSpec TextTimeSource(bool throw_on_invalid) {
  Column k{"K", Type::String(), ColumnRole::kKey, ""};
  Column id{"ID", Type::Bigint(), ColumnRole::kValue, ""};
  Column ts{"TS", Type::String(), ColumnRole::kValue, ""};
  SourceSpec spec;
  spec.name = "TEST";
  spec.topic = "test_topic";
  spec.key_columns = 1;
  spec.value_columns = 2;
  spec.key_format = MakeFormat("KAFKA", {k}).value();
  spec.value_format = MakeFormat("JSON", {id, ts}).value();
  spec.timestamp_column = EventTimeColumn{"TS", 1, false, TimestampTextParser::Make("yy-MM-dd HH:mm:ssX").value()};
  spec.throw_on_invalid_timestamp = throw_on_invalid;
  return spec;
}

RawRecord Raw(const std::string& value) {
  RawRecord raw;
  raw.value = value;
  raw.timestamp = 10;
  return raw;
}

// A source over TextTimeSource, feeding `out` and logging to `log`.
struct TextTimeQuery {
  explicit TextTimeQuery(bool throw_on_invalid) : source(TextTimeSource(throw_on_invalid)) {
    source.set_downstream(&out);
    ctx.processing_log = &log;
    REQUIRE(source.Open(ctx).ok());
  }
  SourceOperator source;
  Collect out;
  ProcessingLog log;
  OperatorContext ctx;
};

TEST_CASE("a source takes the event time from a TIMESTAMP_FORMAT column and skips unreadable ones") {
  TextTimeQuery q(false);
  SourceOperator& source = q.source;
  auto& out = q.out;
  auto& log = q.log;
  REQUIRE(source.Ingest(Raw(R"({"ID": 1, "TS": "10-04-19 12:00:17Z"})")).ok());
  REQUIRE(source.Ingest(Raw(R"({"ID": 2, "TS": "!!!!!!!!!!!!!!!!!"})")).ok());
  REQUIRE(source.Ingest(Raw(R"({"ID": 3, "TS": null})")).ok());
  REQUIRE(out.seen.size() == 1);
  CHECK(out.seen[0].timestamp == 1271678417000);
  CHECK(log.count() == 2);
}

TEST_CASE("with ksql.timestamp.throw.on.invalid an unreadable event time fails the query") {
  TextTimeQuery q(true);
  Status st = q.source.Ingest(Raw(R"({"ID": 2, "TS": "!!!!!!!!!!!!!!!!!"})"));
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("Fatal user code error in TimestampExtractor callback for record") != std::string::npos);
  CHECK(q.out.seen.empty());
}

}  // namespace
}  // namespace eddy
