// WindowAggregateOperator: hopping windows, late records past grace, session merges, EMIT FINAL.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "engine/function/expr_builder.h"
#include "engine/function/registry.h"
#include "tests/unit/operators/collect_operator.h"
#include "engine/state/state_db.h"
#include "operators/processing_log.h"
#include "operators/window_aggregate.h"

namespace eddy {
namespace {

using Collect = testing::CollectOperator;

// Wide row of a stream (K INT KEY): [K, ROWTIME, ROWPARTITION, ROWOFFSET].
Record Wide(int k, int64_t ts) {
  Record r;
  r.key = {Value::Int(k)};
  r.value = Row{Value::Int(k), Value::Bigint(ts), Value::Int(0), Value::Bigint(0)};
  r.timestamp = ts;
  return r;
}

AggregateSpec CountByK() {
  AggregateSpec spec;
  spec.group_by.push_back(MakeColumn(Section::kValue, 0, Type::Int()));
  size_t n = 0;
  auto bound = FunctionRegistry::Builtins().FindAggregate("COUNT")->bind({}, {}, &n);
  REQUIRE(bound.ok());
  spec.calls.push_back({std::move(bound).value(), {}});
  spec.store_name = "w";
  spec.text = "GROUP BY K";
  return spec;
}

struct Harness {
  explicit Harness(WindowOptions w) : op(CountByK(), w) {
    StateDbOptions o;
    o.in_memory = true;
    auto opened = StateDb::Open("/window-aggregate-test", o);
    REQUIRE(opened.ok());
    db = std::move(opened).value();
    ctx.state = db.get();
    ctx.query_id = "q";
    REQUIRE(op.Open(ctx).ok());
    op.set_downstream(&out);
  }
  std::unique_ptr<StateDb> db;
  OperatorContext ctx;
  WindowAggregateOperator op;
  Collect out;
};

TEST_CASE("a hopping window record folds into every window holding it; late records are dropped") {
  WindowOptions w;
  w.kind = WindowKind::kHopping;
  w.size = 10;
  w.advance = 5;
  w.grace = 0;
  Harness h(w);
  REQUIRE(h.op.Process(Wide(1, 7), 0).ok());
  REQUIRE(h.out.seen.size() == 2);
  CHECK(h.out.seen[0].window == Window{0, 10});
  CHECK(h.out.seen[1].window == Window{5, 15});
  REQUIRE(h.op.Process(Wide(1, 12), 0).ok());  // stream time 12: [0,10) has closed
  REQUIRE(h.out.seen.size() == 4);
  CHECK(h.out.seen[2].window == Window{5, 15});
  CHECK((*h.out.seen[2].value)[1].as_bigint() == 2);
  CHECK(h.out.seen[3].window == Window{10, 20});
  REQUIRE(h.op.Process(Wide(1, 3), 0).ok());  // only [0,10), closed
  CHECK(h.out.seen.size() == 4);
}

TEST_CASE("a record bridging two sessions merges them after a tombstone for each") {
  WindowOptions w;
  w.kind = WindowKind::kSession;
  w.size = 10;
  Harness h(w);
  REQUIRE(h.op.Process(Wide(1, 0), 0).ok());
  REQUIRE(h.op.Process(Wide(1, 20), 0).ok());
  REQUIRE(h.op.Process(Wide(1, 10), 0).ok());
  REQUIRE(h.out.seen.size() == 5);
  CHECK(h.out.seen[2].is_tombstone());
  CHECK(h.out.seen[2].window == Window{0, 0});
  CHECK(h.out.seen[3].is_tombstone());
  CHECK(h.out.seen[3].window == Window{20, 20});
  CHECK(h.out.seen[4].window == Window{0, 20});
  CHECK((*h.out.seen[4].value)[1].as_bigint() == 3);
  CHECK(h.out.seen[4].timestamp == 20);
}


// EMIT FINAL expectations are worked out by hand from the rule ksqlDB's suppress tests show: a
// time window is emitted once, after the first record that brings stream time to its end +
// grace, unless by then it started more than size + grace before the latest window start.
TEST_CASE("EMIT FINAL emits each tumbling window once, when it closes") {
  WindowOptions w;
  w.size = 10;
  w.grace = 5;
  w.emit_final = true;
  Harness h(w);
  REQUIRE(h.op.Process(Wide(1, 0), 0).ok());
  REQUIRE(h.op.Process(Wide(1, 3), 0).ok());
  REQUIRE(h.op.Process(Wide(2, 4), 0).ok());
  REQUIRE(h.op.Process(Wide(1, 12), 0).ok());  // stream time 12 < 10 + 5: still open
  CHECK(h.out.seen.empty());
  REQUIRE(h.op.Process(Wide(1, 16), 0).ok());  // 10 + 5 <= 16: [0,10) closes for both keys
  REQUIRE(h.out.seen.size() == 2);
  std::map<int, std::pair<int64_t, int64_t>> got;  // key -> (count, timestamp)
  for (const Record& r : h.out.seen) {
    CHECK(r.window == Window{0, 10});
    got[r.key[0].as_int()] = {(*r.value)[1].as_bigint(), r.timestamp};
  }
  CHECK(got[1] == std::pair<int64_t, int64_t>{2, 3});
  CHECK(got[2] == std::pair<int64_t, int64_t>{1, 4});
  REQUIRE(h.op.Process(Wide(1, 8), 0).ok());  // late for the closed window: dropped
  // Stream time 26: [10,20) closes (20 + 5 <= 26) and, the latest start being 20, is still
  // retained (20 - (10 + 5) = 5 <= 10): emitted with its 2 records.
  REQUIRE(h.op.Process(Wide(1, 26), 0).ok());
  REQUIRE(h.out.seen.size() == 3);
  CHECK(h.out.seen[2].window == Window{10, 20});
  CHECK((*h.out.seen[2].value)[1].as_bigint() == 2);
  CHECK(h.out.seen[2].timestamp == 16);
}

TEST_CASE("EMIT FINAL drops a window that left retention before it could be emitted") {
  WindowOptions w;
  w.size = 10;
  w.grace = 0;
  w.emit_final = true;
  Harness h(w);
  REQUIRE(h.op.Process(Wide(1, 0), 0).ok());
  // Window [20,30) puts the retention start at 20 - (10 + 0) = 10: [0,10) is gone unemitted.
  REQUIRE(h.op.Process(Wide(1, 25), 0).ok());
  CHECK(h.out.seen.empty());
  REQUIRE(h.op.Process(Wide(1, 31), 0).ok());  // [20,30) closes; retention starts at 20
  REQUIRE(h.out.seen.size() == 1);
  CHECK(h.out.seen[0].window == Window{20, 30});
  CHECK((*h.out.seen[0].value)[1].as_bigint() == 1);
  CHECK(h.out.seen[0].timestamp == 25);
}

TEST_CASE("EMIT FINAL emits a merged session once, without tombstones") {
  WindowOptions w;
  w.kind = WindowKind::kSession;
  w.size = 5;
  w.grace = 0;
  w.emit_final = true;
  Harness h(w);
  REQUIRE(h.op.Process(Wide(1, 0), 0).ok());
  REQUIRE(h.op.Process(Wide(1, 3), 0).ok());
  CHECK(h.out.seen.empty());
  REQUIRE(h.op.Process(Wide(1, 20), 0).ok());  // session [0,3] ends before 20 - 0
  REQUIRE(h.out.seen.size() == 1);
  CHECK(h.out.seen[0].window == Window{0, 3});
  CHECK((*h.out.seen[0].value)[1].as_bigint() == 2);
  CHECK(h.out.seen[0].timestamp == 3);
}

// Found by scripts/sanitize.sh (UBSan: window end past INT64_MAX). Kafka Streams drops records
// with negative timestamps; a window end past the largest timestamp cannot be represented.
TEST_CASE("records at the timestamp limits are dropped with a processing-log entry, not windowed") {
  for (WindowKind kind : {WindowKind::kTumbling, WindowKind::kHopping, WindowKind::kSession}) {
    WindowOptions w;
    w.kind = kind;
    w.size = 60000;
    w.advance = kind == WindowKind::kHopping ? 30000 : 0;
    Harness h(w);
    ProcessingLog log;
    h.ctx.processing_log = &log;
    for (int64_t ts : {INT64_MAX, INT64_MAX - 60000, int64_t{-1}, INT64_MIN}) REQUIRE(h.op.Process(Wide(1, ts), 0).ok());
    CHECK(h.out.seen.empty());
    CHECK(log.count() == 4);
    REQUIRE(h.op.Process(Wide(1, 1000), 0).ok());  // stream time was left alone
    REQUIRE(!h.out.seen.empty());
    CHECK((*h.out.seen.back().value)[1].as_bigint() == 1);
  }
}

}  // namespace
}  // namespace eddy
