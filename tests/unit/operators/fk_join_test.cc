// Foreign-key table-table joins. Expected results worked out by hand from Kafka Streams'
// foreign-key join rules (subscribe / respond, as summarized in operators/fk_join.h), and the
// first case follows ksqlDB's fk-join.json "inner join with left value-column expression".
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "tests/unit/operators/collect_operator.h"

#include "engine/function/expr_builder.h"
#include "engine/state/state_db.h"
#include "operators/fk_join.h"

namespace eddy {
namespace {

using Collect = testing::CollectOperator;

// The left table's rows are [K, NAME, FK] keyed by K; the right table's [ID, F] keyed by ID.
ForeignKeyJoinSpec Spec(bool left_outer) {
  ForeignKeyJoinSpec s;
  s.left_outer = left_outer;
  s.foreign_key = MakeColumn(Section::kValue, 2, Type::Int());
  s.left_width = 3;
  s.right_width = 2;
  s.store_name = "fk";
  s.text = "L JOIN R ON FK = ID";
  return s;
}

Value IntOrNull(std::optional<int> x) { return x ? Value::Int(*x) : Value(); }

// "key: K,NAME,FK|ID,F @ts" with "-" for NULL, or "key: null @ts" for a tombstone.
std::string Show(const Record& r) {
  std::string s = std::to_string(r.key[0].as_int()) + ": ";
  if (r.is_tombstone()) {
    s += "null";
  } else {
    for (size_t i = 0; i < r.value->size(); ++i) {
      const Value& v = (*r.value)[i];
      if (i) s += i == 3 ? "|" : ",";
      s += v.is_null() ? "-" : v.is_int() ? std::to_string(v.as_int()) : v.as_string();
    }
  }
  return s + " @" + std::to_string(r.timestamp);
}

struct Harness : testing::OperatorState {
  explicit Harness(bool left_outer) : OperatorState("/fk-join-test"), left_outer(left_outer) { Reopen(); }
  // A new operator over the same committed state: what a restart does.
  void Reopen() {
    if (op) REQUIRE(db->Commit().ok());
    op = std::make_unique<ForeignKeyJoinOperator>(Spec(left_outer));
    REQUIRE(op->Open(ctx).ok());
    op->set_downstream(&out);
  }
  void Left(int k, std::optional<std::string> name, std::optional<int> fk, int64_t ts) {
    Record r;
    r.key = {Value::Int(k)};
    if (name) r.value = Row{Value::Int(k), Value::String(*name), IntOrNull(fk)};
    r.timestamp = ts;
    REQUIRE(op->Process(std::move(r), 0).ok());
  }
  void DeleteLeft(int k, int64_t ts) { Left(k, std::nullopt, std::nullopt, ts); }
  void Right(int id, std::optional<std::string> f, int64_t ts) {
    Record r;
    r.key = {Value::Int(id)};
    if (f) r.value = Row{Value::Int(id), Value::String(*f)};
    r.timestamp = ts;
    REQUIRE(op->Process(std::move(r), 1).ok());
  }
  std::vector<std::string> Seen() const {
    std::vector<std::string> s;
    for (const auto& r : out.seen) s.push_back(Show(r));
    return s;
  }
  bool left_outer;
  std::unique_ptr<ForeignKeyJoinOperator> op;
  Collect out;
};

using Lines = std::vector<std::string>;

TEST_CASE("an inner foreign-key join fans right updates out and deletes what it emitted") {
  Harness h(false);
  h.Right(0, "a", 0);          // no subscriber yet: nothing
  h.Left(1, "x", 0, 10);       // joins a
  h.Left(2, "y", 5, 13);       // no right row 5: nothing
  h.Right(0, "b", 15);         // every left row on 0: only 1
  h.Left(3, "z", 0, 16);       // joins b
  h.Right(0, std::nullopt, 17);  // both results go
  h.DeleteLeft(1, 18);  // a delete of a subscribed row: a tombstone
  h.DeleteLeft(2, 19);  // subscribed to 5 though it never joined: a tombstone all the same
  h.DeleteLeft(4, 20);  // never existed: nothing
  CHECK(h.Seen() == Lines{"1: 1,x,0|0,a @10", "1: 1,x,0|0,b @15", "3: 3,z,0|0,b @16", "1: null @17", "3: null @17",
                          "1: null @18", "2: null @19"});
}

TEST_CASE("a left row whose foreign key changes leaves its old right row") {
  Harness h(false);
  h.Right(0, "a", 0);
  h.Right(1, "b", 1);
  h.Left(1, "x", 0, 5);
  h.Left(1, "x", 1, 6);    // now joins b
  h.Right(0, "a2", 7);     // no longer subscribed to 0: nothing
  h.Left(1, "x", 7, 8);    // no right row 7: the old result goes
  h.Left(1, "x", 7, 9);    // same key, still no match, nothing to delete: nothing
  h.Right(7, "c", 10);     // now it joins
  h.Right(1, "b2", 11);    // no longer subscribed to 1: nothing
  CHECK(h.Seen() == Lines{"1: 1,x,0|0,a @5", "1: 1,x,1|1,b @6", "1: null @8", "1: 1,x,7|7,c @10"});
}

TEST_CASE("a left foreign-key join pads a missing right row and deletes only rows it had") {
  Harness h(true);
  h.Left(1, "x", 0, 0);           // no right row: padded
  h.Right(0, "a", 10);
  h.Left(1, "x", 0, 11);          // the same row again: emitted again
  h.Left(2, "y", 100, 13);        // padded
  h.Right(0, std::nullopt, 17);   // 1 is padded again
  h.DeleteLeft(1, 18);
  h.DeleteLeft(2, 19);
  h.DeleteLeft(3, 20);  // never existed: nothing
  CHECK(h.Seen() == Lines{"1: 1,x,0|-,- @0", "1: 1,x,0|0,a @10", "1: 1,x,0|0,a @11", "2: 2,y,100|-,- @13",
                          "1: 1,x,0|-,- @17", "1: null @18", "2: null @19"});
}

TEST_CASE("a left update is stamped with the later of its time and the right row's") {
  Harness h(false);
  h.Right(0, "a", 50);
  h.Left(1, "x", 0, 10);
  h.Right(0, "b", 20);  // a right update keeps its own time
  CHECK(h.Seen() == Lines{"1: 1,x,0|0,a @50", "1: 1,x,0|0,b @20"});
}

TEST_CASE("a NULL foreign key subscribes to nothing") {
  SECTION("inner: the old result goes, and right updates no longer reach the row") {
    Harness h(false);
    h.Right(0, "a", 0);
    h.Left(1, "x", 0, 1);
    h.Left(1, "x", std::nullopt, 2);
    h.Right(0, "b", 3);
    h.Left(2, "y", std::nullopt, 4);  // never joined: nothing
    CHECK(h.Seen() == Lines{"1: 1,x,0|0,a @1", "1: null @2"});
  }
  SECTION("left: the row is padded") {
    Harness h(true);
    h.Right(0, "a", 0);
    h.Left(1, "x", std::nullopt, 1);
    h.Right(0, "b", 2);
    h.Left(1, "x", 0, 3);
    CHECK(h.Seen() == Lines{"1: 1,x,-|-,- @1", "1: 1,x,0|0,b @3"});
  }
}

TEST_CASE("foreign-key join state survives a restart") {
  Harness h(false);
  h.Right(0, "a", 0);
  h.Left(1, "x", 0, 1);
  h.Left(2, "y", 0, 2);
  h.Reopen();
  h.Right(0, "b", 3);      // both subscriptions were kept
  h.Left(1, "x", 9, 4);    // the old foreign key was kept: the result goes
  h.Right(0, "c", 5);      // only 2 is left on 0
  CHECK(h.Seen() == Lines{"1: 1,x,0|0,a @1", "2: 2,y,0|0,a @2", "1: 1,x,0|0,b @3", "2: 2,y,0|0,b @3",
                          "1: null @4", "2: 2,y,0|0,c @5"});
}

}  // namespace
}  // namespace eddy
