#pragma once
// A downstream operator for tests: keeps every record it is handed; and the state an operator
// under test opens with.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "engine/state/state_db.h"
#include "operators/operator.h"

namespace eddy::testing {

class CollectOperator final : public Operator {
 public:
  Status Process(Record record, int) override {
    seen.push_back(std::move(record));
    return Status::Ok();
  }
  std::string Describe() const override { return "Collect"; }
  std::vector<Record> seen;
};

// An in-memory state database and the context an operator opens with, as its task gives them.
struct OperatorState {
  explicit OperatorState(const std::string& path) {
    StateDbOptions o;
    o.in_memory = true;
    auto opened = StateDb::Open(path, o);
    REQUIRE(opened.ok());
    db = std::move(opened).value();
    ctx.state = db.get();
    ctx.query_id = "q";
  }
  std::unique_ptr<StateDb> db;
  OperatorContext ctx;
};

}  // namespace eddy::testing
