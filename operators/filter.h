#pragma once
// FilterOperator: passes the records whose predicate is TRUE (WHERE). Tombstones pass, since
// they carry no columns to test (a table filter downstream sees the delete).
#include "engine/function/expr.h"
#include "operators/operator.h"

namespace eddy {

class FilterOperator final : public Operator {
 public:
  // A tombstone passes (a table row's delete) unless `drop_tombstones` (a stream's null value,
  // which no WHERE clause accepts).
  FilterOperator(CompiledExprPtr predicate, std::string text, bool drop_tombstones = false)
      : predicate_(std::move(predicate)), text_(std::move(text)), drop_tombstones_(drop_tombstones) {}
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Filter " + text_; }
  // A table row that does not match becomes a tombstone for its key (a table aggregation must
  // take the row's earlier contribution back out). Default: it is dropped.
  void set_non_matching_as_tombstone() { non_matching_as_tombstone_ = true; }

 private:
  CompiledExprPtr predicate_;
  std::string text_;
  bool drop_tombstones_;
  bool non_matching_as_tombstone_ = false;
};

}  // namespace eddy
