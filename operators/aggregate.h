#pragma once
// AggregateOperator: GROUP BY over a stream. For each record it evaluates the group key and the
// aggregate arguments over the (wide) input row, folds them into the key's state in RocksDB and
// emits the key's new result row: [group key..., aggregate results..., ROWTIME]. The output
// timestamp is the largest input timestamp seen for the key. Records whose group key has a NULL
// are skipped (ksqlDB drops them) with a processing-log entry.
#include <memory>
#include <vector>

#include "engine/function/expr.h"
#include "engine/function/registry.h"
#include "engine/state/kv_store.h"
#include "operators/operator.h"

namespace eddy {

struct AggregateCall {
  std::unique_ptr<Aggregator> aggregator;
  std::vector<CompiledExprPtr> args;  // the per-record arguments
};

struct AggregateSpec {
  std::vector<CompiledExprPtr> group_by;
  std::vector<AggregateCall> calls;
  std::string store_name;
  std::string text;
};

// Evaluates the group key of `record` into `key` (evaluation errors collect in `ec`). False,
// with a processing-log entry, when a column of it is NULL: ksqlDB skips such records.
bool EvalGroupKey(const std::vector<CompiledExprPtr>& group_by, const Record& record, EvalContext& ec,
                  OperatorContext* ctx, Row& key);

class AggregateOperator final : public Operator {
 public:
  explicit AggregateOperator(AggregateSpec spec) : spec_(std::move(spec)) {}
  Status Open(OperatorContext& ctx) override;
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Aggregate " + spec_.text; }
  const std::vector<CompiledExprPtr>& group_by() const { return spec_.group_by; }

 private:
  AggregateSpec spec_;
  KvStore* store_ = nullptr;
  std::string key_buf_, value_buf_;
  std::vector<Value> args_;
};

}  // namespace eddy
