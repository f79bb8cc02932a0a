#pragma once
// FilterOperator: passes the records whose predicate is TRUE (WHERE). Tombstones pass, since
// they carry no columns to test (a table filter downstream sees the delete).
#include "engine/function/expr.h"
#include "operators/operator.h"

namespace eddy {

class FilterOperator final : public Operator {
 public:
  FilterOperator(CompiledExprPtr predicate, std::string text)
      : predicate_(std::move(predicate)), text_(std::move(text)) {}
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Filter " + text_; }

 private:
  CompiledExprPtr predicate_;
  std::string text_;
};

}  // namespace eddy
