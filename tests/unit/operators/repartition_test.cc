// The two ends of a repartition topic: what the sink writes comes back out of the source as the
// same record; a GROUP BY keys the record by its group; a key format decides the Kafka key.
#include <catch2/catch.hpp>

#include "tests/unit/operators/collect_operator.h"

#include "engine/function/expr_builder.h"
#include "engine/io/format.h"
#include "operators/repartition.h"

namespace eddy {
namespace {

using Collect = testing::CollectOperator;

class KeepWriter final : public RecordWriter {
 public:
  Status Write(const std::string& topic, RawRecord record) override {
    topics.push_back(topic);
    written.push_back(std::move(record));
    return Status::Ok();
  }
  std::vector<std::string> topics;
  std::vector<RawRecord> written;
};

struct Pipe {
  explicit Pipe(const std::vector<CompiledExprPtr>* group_by = nullptr, const Format* key_format = nullptr)
      : sink("t-repartition", group_by, key_format), source("t-repartition") {
    ctx.writer = &writer;
    ctx.query_id = "q";
    REQUIRE(sink.Open(ctx).ok());
    REQUIRE(source.Open(ctx).ok());
    source.set_downstream(&out);
  }
  // Through the sink, then what it wrote through the source.
  void Send(Record r) {
    size_t before = writer.written.size();
    REQUIRE(sink.Process(std::move(r), 0).ok());
    for (size_t i = before; i < writer.written.size(); ++i) REQUIRE(source.Ingest(writer.written[i]).ok());
  }
  KeepWriter writer;
  OperatorContext ctx;
  RepartitionSinkOperator sink;
  RepartitionSourceOperator source;
  Collect out;
};

TEST_CASE("a record and a tombstone come back from the repartition topic unchanged") {
  Pipe p;
  Record r;
  r.key = {Value::String("J1"), Value::Int(7)};
  r.value = Row{Value::String("x"), Value::Null(), Value::Double(1.5)};
  r.timestamp = 42;
  p.Send(r);
  Record t;
  t.key = {Value::String("J2")};
  t.timestamp = 43;
  p.Send(t);
  REQUIRE(p.out.seen.size() == 2);
  CHECK(p.out.seen[0].key == r.key);
  CHECK(p.out.seen[0].value == r.value);
  CHECK(p.out.seen[0].timestamp == 42);
  CHECK(p.out.seen[1].key == t.key);
  CHECK(p.out.seen[1].is_tombstone());
  CHECK(p.writer.topics == std::vector<std::string>{"t-repartition", "t-repartition"});
}

TEST_CASE("with a key format the Kafka key is the key as that format writes it") {
  FormatOptions key;
  key.is_key = true;
  Column k;
  k.name = "K";
  k.type = Type::String();
  k.role = ColumnRole::kKey;
  auto kafka = MakeFormat("KAFKA", {k}, key);
  REQUIRE(kafka.ok());
  Pipe p(nullptr, kafka.value().get());
  Record r;
  r.key = {Value::String("J1")};
  r.value = Row{Value::Int(1)};
  p.Send(r);
  REQUIRE(p.writer.written.size() == 1);
  // KAFKA's STRING is the UTF-8 bytes: the same bytes, so the same murmur2 partition, as the table's.
  CHECK(p.writer.written[0].key == std::optional<std::string>("J1"));
  REQUIRE(p.out.seen.size() == 1);
  CHECK(p.out.seen[0].key == r.key);
}

TEST_CASE("before an aggregation the record is keyed by its group; a NULL group is skipped") {
  std::vector<CompiledExprPtr> group_by;
  group_by.push_back(MakeColumn(Section::kValue, 1, Type::String()));
  Pipe p(&group_by);
  Record r;
  r.key = {Value::Int(1)};
  r.value = Row{Value::Int(1), Value::String("G")};
  p.Send(r);
  Record n;
  n.key = {Value::Int(2)};
  n.value = Row{Value::Int(2), Value::Null()};
  p.Send(n);
  REQUIRE(p.out.seen.size() == 1);
  CHECK(p.out.seen[0].key == Row{Value::String("G")});
  CHECK(p.out.seen[0].value == r.value);
}

TEST_CASE("bytes eddy did not write are an error, not a crash") {
  Pipe p;
  RawRecord raw;
  raw.value = std::string("\x01\x00\x00\xff\xff", 5);
  CHECK_FALSE(p.source.Ingest(raw).ok());
  raw.value = std::string("ab");
  CHECK_FALSE(p.source.Ingest(raw).ok());
  raw.value.reset();
  CHECK_FALSE(p.source.Ingest(raw).ok());
}

}  // namespace
}  // namespace eddy
