#pragma once
// ProjectOperator: computes a new key and value row from expressions (SELECT, PARTITION BY,
// GROUP BY keys). A failing expression yields NULL in its column, the row is still emitted,
// and the failure goes to the processing log.
#include <vector>

#include "engine/function/expr.h"
#include "operators/operator.h"

namespace eddy {

struct ProjectSpec {
  std::vector<CompiledExprPtr> key;
  std::vector<CompiledExprPtr> value;
  // When set, tombstones are forwarded with the key recomputed from the tombstone's key
  // (tables); otherwise they are dropped (streams never carry them).
  bool forward_tombstones = false;
  // The width of the input value row. A tombstone has no value row, so key expressions are
  // evaluated over a row holding the tombstone's key columns first and NULLs after.
  size_t input_width = 0;
  // When set, forwarded tombstones keep the key they arrive with (after PARTITION BY, whose
  // key columns are the projection's key columns, in order).
  bool tombstone_keeps_key = false;
  std::string text;
};

class ProjectOperator final : public Operator {
 public:
  explicit ProjectOperator(ProjectSpec spec) : spec_(std::move(spec)) {}
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Project " + spec_.text; }

 private:
  ProjectSpec spec_;
};

}  // namespace eddy
