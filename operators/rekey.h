#pragma once
// RekeyOperator: gives records a new key computed from their (wide) value row, leaving the value
// as it is: the step before a join on a non-key column, a GROUP BY or a PARTITION BY. On a
// partitioned runtime the re-keyed records go through a repartition topic.
#include <vector>

#include "engine/function/expr.h"
#include "operators/operator.h"

namespace eddy {

class RekeyOperator final : public Operator {
 public:
  RekeyOperator(std::vector<CompiledExprPtr> key, std::string text) : key_(std::move(key)), text_(std::move(text)) {}
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Rekey by " + text_; }

 private:
  std::vector<CompiledExprPtr> key_;
  std::string text_;
};

}  // namespace eddy
