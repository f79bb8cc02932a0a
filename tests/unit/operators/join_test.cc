// Stream-stream and table-table joins: windows, padded results with and without GRACE PERIOD,
// expiry, and table updates and deletes. Expected results worked out by hand from Kafka
// Streams' join rules (see the operators' headers).
#include <catch2/catch.hpp>

#include "tests/unit/operators/collect_operator.h"

#include "engine/state/state_db.h"
#include "operators/processing_log.h"
#include "operators/stream_stream_join.h"
#include "operators/table_table_join.h"

namespace eddy {
namespace {

using Collect = testing::CollectOperator;

// A two-column row [K, V] keyed by K.
Record Rec(int k, std::optional<std::string> v, int64_t ts) {
  Record r;
  r.key = {Value::Int(k)};
  if (v) r.value = Row{Value::Int(k), Value::String(*v)};
  r.timestamp = ts;
  return r;
}

// "K,V|K,V" with "-" for NULL, or "null" for a tombstone.
std::string Show(const Record& r) {
  if (r.is_tombstone()) return "null";
  std::string s;
  for (size_t i = 0; i < r.value->size(); ++i) {
    const Value& v = (*r.value)[i];
    if (i) s += i == 2 ? "|" : ",";
    s += v.is_null() ? "-" : v.is_int() ? std::to_string(v.as_int()) : v.as_string();
  }
  return s;
}

template <typename Op, typename Spec>
struct Harness {
  explicit Harness(Spec spec) : op(std::move(spec)) {
    StateDbOptions o;
    o.in_memory = true;
    auto opened = StateDb::Open("/join-test", o);
    REQUIRE(opened.ok());
    db = std::move(opened).value();
    ctx.state = db.get();
    ctx.query_id = "q";
    REQUIRE(op.Open(ctx).ok());
    op.set_downstream(&out);
  }
  void Left(int k, std::optional<std::string> v, int64_t ts) { REQUIRE(op.Process(Rec(k, v, ts), 0).ok()); }
  void Right(int k, std::optional<std::string> v, int64_t ts) { REQUIRE(op.Process(Rec(k, v, ts), 1).ok()); }
  std::unique_ptr<StateDb> db;
  OperatorContext ctx;
  Op op;
  Collect out;
};

StreamStreamJoinSpec Within(int64_t before, int64_t after, bool left_outer, bool right_outer,
                            std::optional<int64_t> grace = std::nullopt) {
  StreamStreamJoinSpec s;
  s.before = before;
  s.after = after;
  s.left_outer = left_outer;
  s.right_outer = right_outer;
  s.grace = grace;
  s.left_width = 2;
  s.right_width = 2;
  s.store_name = "ss";
  return s;
}

using SS = Harness<StreamStreamJoinOperator, StreamStreamJoinSpec>;
using TT = Harness<TableTableJoinOperator, TableTableJoinSpec>;

TEST_CASE("an inner stream-stream join matches within (before, after) and stamps the later time") {
  SS h(Within(10, 5, false, false));
  h.Left(1, "a", 100);
  h.Right(1, "x", 95);   // left times 90..105 match it: 100 does
  h.Right(1, "y", 111);  // 101..121: no
  h.Right(1, "z", 89);   // 84..99: no
  h.Right(2, "w", 100);  // another key
  h.Left(1, "b", 120);   // right times 110..125: y at 111
  REQUIRE(h.out.seen.size() == 2);
  CHECK(Show(h.out.seen[0]) == "1,a|1,x");
  CHECK(h.out.seen[0].timestamp == 100);
  CHECK(Show(h.out.seen[1]) == "1,b|1,y");
  CHECK(h.out.seen[1].timestamp == 120);
}

TEST_CASE("without GRACE PERIOD a left join emits the padded row at once, then each match") {
  SS h(Within(10, 10, true, false));
  h.Left(1, "a", 0);
  h.Right(1, "x", 5);
  h.Right(2, "y", 6);  // the right side is inner: nothing
  REQUIRE(h.out.seen.size() == 2);
  CHECK(Show(h.out.seen[0]) == "1,a|-,-");
  CHECK(h.out.seen[0].timestamp == 0);
  CHECK(Show(h.out.seen[1]) == "1,a|1,x");
  CHECK(h.out.seen[1].timestamp == 5);
}

TEST_CASE("with GRACE PERIOD a padded row waits until its window closes") {
  SS h(Within(10, 10, true, false, 0));
  h.Left(1, "a", 0);  // window closes once stream time passes 0 + 10 + 0
  h.Right(2, "x", 5);
  CHECK(h.out.seen.empty());
  h.Left(3, "b", 10);  // 10 is not past 10
  CHECK(h.out.seen.empty());
  h.Left(4, "c", 11);
  REQUIRE(h.out.seen.size() == 1);
  CHECK(Show(h.out.seen[0]) == "1,a|-,-");
  CHECK(h.out.seen[0].timestamp == 0);
  CHECK(h.out.seen[0].key[0].as_int() == 1);
}

TEST_CASE("with GRACE PERIOD a record joined before its window closes is never emitted padded") {
  SS full(Within(10, 10, true, true, 0));
  full.Left(1, "a", 0);
  full.Right(1, "x", 3);
  full.Right(9, "z", 100);  // closes the window of a: already joined
  REQUIRE(full.out.seen.size() == 1);
  CHECK(Show(full.out.seen[0]) == "1,a|1,x");
  full.Left(8, "q", 200);  // z's window (100 + 10) has closed
  REQUIRE(full.out.seen.size() == 2);
  CHECK(Show(full.out.seen[1]) == "-,-|9,z");
  CHECK(full.out.seen[1].timestamp == 100);
}

TEST_CASE("a late record whose window is already past is emitted padded at once") {
  SS h(Within(10, 10, true, false, 100));
  h.Left(1, "a", 500);
  h.Left(2, "b", 50);  // 50 + 10 < 500: nothing can join it later
  REQUIRE(h.out.seen.size() == 1);
  CHECK(Show(h.out.seen[0]) == "2,b|-,-");
  CHECK(h.out.seen[0].timestamp == 50);
}

TEST_CASE("records older than before + after + grace of their side's stream time are not matched") {
  SS h(Within(10, 10, false, false, 0));  // retention 20
  h.Left(1, "a", 0);
  h.Left(2, "b", 100);  // the left side's time is 100: a (at 0) has expired
  h.Right(1, "x", 5);
  CHECK(h.out.seen.empty());
}

TableTableJoinSpec Tables(bool left_outer, bool right_outer) {
  TableTableJoinSpec s;
  s.left_outer = left_outer;
  s.right_outer = right_outer;
  s.left_width = 2;
  s.right_width = 2;
  s.store_name = "tt";
  return s;
}

TEST_CASE("an inner table-table join emits on matches and deletes what it emitted") {
  TT h(Tables(false, false));
  h.Left(1, "a", 1);
  h.Right(1, "x", 5);
  h.Left(1, "b", 3);
  h.Right(1, std::nullopt, 7);
  h.Left(1, std::nullopt, 8);  // no right row: nothing
  REQUIRE(h.out.seen.size() == 3);
  CHECK(Show(h.out.seen[0]) == "1,a|1,x");
  CHECK(h.out.seen[0].timestamp == 5);
  CHECK(Show(h.out.seen[1]) == "1,b|1,x");
  CHECK(h.out.seen[1].timestamp == 5);  // the later of 3 and the right row's 5
  CHECK(h.out.seen[2].is_tombstone());
  CHECK(h.out.seen[2].timestamp == 7);
}

TEST_CASE("a left table-table join pads missing right rows and deletes only rows it had") {
  TT h(Tables(true, false));
  h.Left(1, "a", 1);
  h.Right(1, "x", 2);
  h.Right(1, std::nullopt, 3);
  h.Left(1, std::nullopt, 4);
  h.Left(1, std::nullopt, 5);  // nothing left to delete
  h.Right(2, "y", 6);          // no left row: nothing
  REQUIRE(h.out.seen.size() == 4);
  CHECK(Show(h.out.seen[0]) == "1,a|-,-");
  CHECK(Show(h.out.seen[1]) == "1,a|1,x");
  CHECK(Show(h.out.seen[2]) == "1,a|-,-");
  CHECK(h.out.seen[2].timestamp == 3);
  CHECK(h.out.seen[3].is_tombstone());
  CHECK(h.out.seen[3].timestamp == 4);
}

TEST_CASE("a full outer table-table join keeps whichever side remains") {
  TT h(Tables(true, true));
  h.Right(2, "y", 1);
  h.Left(2, "c", 2);
  h.Left(2, std::nullopt, 3);
  h.Right(2, std::nullopt, 4);
  REQUIRE(h.out.seen.size() == 4);
  CHECK(Show(h.out.seen[0]) == "-,-|2,y");
  CHECK(Show(h.out.seen[1]) == "2,c|2,y");
  CHECK(Show(h.out.seen[2]) == "-,-|2,y");
  CHECK(h.out.seen[3].is_tombstone());
}

// Found by the hostile-records test under UBSan (time + WITHIN past INT64_MAX).
TEST_CASE("stream-stream join records at the timestamp limits are dropped with a processing-log entry") {
  SS h(Within(3600000, 3600000, true, true));
  ProcessingLog log;
  h.ctx.processing_log = &log;
  h.Left(1, "a", INT64_MAX);
  h.Right(1, "x", INT64_MAX);
  h.Left(1, "b", -1);
  h.Right(1, "y", INT64_MIN);
  CHECK(h.out.seen.empty());
  CHECK(log.count() == 4);
  h.Left(1, "c", 100);
  h.Right(1, "z", 200);
  REQUIRE(h.out.seen.size() == 2);  // c padded at once (no GRACE), then c joined with z
  CHECK(Show(h.out.seen[0]) == "1,c|-,-");
  CHECK(Show(h.out.seen[1]) == "1,c|1,z");
}

}  // namespace
}  // namespace eddy
