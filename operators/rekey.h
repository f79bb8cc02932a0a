#pragma once
// RekeyOperator: gives records a new key computed from their (wide) value row: the step before a
// join on a non-key column, a GROUP BY or a PARTITION BY. On a partitioned runtime the re-keyed
// records go through a repartition topic. With `append_to_value` (PARTITION BY) the new key
// columns are also appended to the wide row, so later expressions read them like any column.
// PARTITION BY NULL is an empty key list: the records leave with no key. In that mode a record
// with a null value (a stream's null) is re-keyed too, its key computed over a row of
// `input_width` holding its old key columns first and NULLs after; otherwise it is dropped.
#include <vector>

#include "engine/function/expr.h"
#include "operators/operator.h"

namespace eddy {

class RekeyOperator final : public Operator {
 public:
  RekeyOperator(std::vector<CompiledExprPtr> key, std::string text, bool append_to_value = false,
                size_t input_width = 0)
      : key_(std::move(key)), text_(std::move(text)), append_to_value_(append_to_value), input_width_(input_width) {}
  // Which key expressions can be computed for a null value (those reading key columns only);
  // the others give NULL there. Unset: all can.
  void set_null_value_keys(std::vector<bool> computable) { null_value_keys_ = std::move(computable); }
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Rekey by " + text_; }

 private:
  std::vector<CompiledExprPtr> key_;
  std::string text_;
  bool append_to_value_;
  size_t input_width_;
  std::vector<bool> null_value_keys_;
};

}  // namespace eddy
