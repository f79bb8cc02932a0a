// The WHERE of a query whose output is a table (FilterOperator::set_track_passing). Expected
// results worked out by hand from Kafka Streams' table filter with old values (KTableFilter over
// a materialized parent): a row that passes is forwarded; a row that fails, or a delete,
// becomes a tombstone only when the key's previous row passed; otherwise nothing.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "tests/unit/operators/collect_operator.h"

#include "engine/function/expr_builder.h"
#include "engine/state/state_db.h"
#include "operators/filter.h"

namespace eddy {
namespace {

using Collect = testing::CollectOperator;

// Rows [K, OK] keyed by K; the predicate is OK.
struct Harness : testing::OperatorState {
  explicit Harness(bool tracked) : OperatorState("/filter-test"), tracked(tracked) { Reopen(); }
  // A new operator over the same committed state: what a restart does.
  void Reopen() {
    if (op) REQUIRE(db->Commit().ok());
    op = std::make_unique<FilterOperator>(MakeColumn(Section::kValue, 1, Type::Boolean()), "OK");
    if (tracked) op->set_track_passing("where");
    REQUIRE(op->Open(ctx).ok());
    op->set_downstream(&out);
  }
  // ok: nullopt sends a tombstone.
  void Send(int k, std::optional<bool> ok, int64_t ts, std::optional<Window> window = std::nullopt) {
    Record r;
    r.key = {Value::Int(k)};
    if (ok) r.value = Row{Value::Int(k), Value::Boolean(*ok)};
    r.timestamp = ts;
    r.window = window;
    REQUIRE(op->Process(std::move(r), 0).ok());
  }
  // "k: row @ts" or "k: null @ts" for each record passed on since the last call.
  std::vector<std::string> Take() {
    std::vector<std::string> s;
    for (const Record& r : out.seen)
      s.push_back(std::to_string(r.key[0].as_int()) + (r.is_tombstone() ? ": null" : ": row") + " @" +
                  std::to_string(r.timestamp));
    out.seen.clear();
    return s;
  }

  bool tracked;
  std::unique_ptr<FilterOperator> op;
  Collect out;
};

using V = std::vector<std::string>;

TEST_CASE("table WHERE: a row that stops matching deletes the key, only if it had passed", "[filter]") {
  Harness h(true);
  h.Send(1, true, 10);
  CHECK(h.Take() == V{"1: row @10"});
  h.Send(1, false, 11);  // stops matching: its earlier row must go
  CHECK(h.Take() == V{"1: null @11"});
  h.Send(1, false, 12);  // still not matching: nothing is left to delete
  CHECK(h.Take().empty());
  h.Send(2, false, 13);  // never matched: no tombstone
  h.Send(2, std::nullopt, 14);
  CHECK(h.Take().empty());
  h.Send(1, true, 15);
  h.Send(1, true, 16);  // an update that still matches passes again
  h.Send(1, std::nullopt, 17);  // a delete of a passing row
  h.Send(1, std::nullopt, 18);  // deleted already
  CHECK(h.Take() == V{"1: row @15", "1: row @16", "1: null @17"});
}

TEST_CASE("table WHERE: what passes survives a restart; windows are keys of their own", "[filter]") {
  Harness h(true);
  h.Send(3, true, 1);
  h.Reopen();
  h.Send(3, false, 2);
  CHECK(h.Take() == V{"3: row @1", "3: null @2"});
  h.Send(4, true, 3, Window{0, 100});
  h.Send(4, false, 4, Window{100, 200});  // another window of key 4: it never passed
  h.Send(4, false, 5, Window{0, 100});
  CHECK(h.Take() == V{"4: row @3", "4: null @5"});
}

TEST_CASE("WHERE without tracking: non-matching rows are dropped, tombstones pass", "[filter]") {
  Harness h(false);
  h.Send(1, true, 1);
  h.Send(1, false, 2);
  h.Send(2, std::nullopt, 3);
  CHECK(h.Take() == V{"1: row @1", "2: null @3"});
}

}  // namespace
}  // namespace eddy
