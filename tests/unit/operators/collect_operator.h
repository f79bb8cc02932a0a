#pragma once
// A downstream operator for tests: keeps every record it is handed.
#include <string>
#include <vector>

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

}  // namespace eddy::testing
