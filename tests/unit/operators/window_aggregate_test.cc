// WindowAggregateOperator: hopping windows, late records past grace, session merges.
#include <catch2/catch.hpp>

#include <filesystem>

#include "engine/function/expr_builder.h"
#include "engine/function/registry.h"
#include "engine/state/state_db.h"
#include "operators/window_aggregate.h"

namespace eddy {
namespace {

class Collect final : public Operator {
 public:
  Status Process(Record record, int) override {
    seen.push_back(std::move(record));
    return Status::Ok();
  }
  std::string Describe() const override { return "Collect"; }
  std::vector<Record> seen;
};

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

}  // namespace
}  // namespace eddy
