#pragma once
// TableAggregateOperator: GROUP BY over a table. Each table row contributes to one group; an
// update first takes the row's previous contribution back out (Aggregator::Undo) and then adds
// the new one, and a tombstone only takes it out. The previous row of every table key is kept
// in a store. When the old and the new row fall in the same group, one result is emitted; else
// the old group's and then the new group's. A result's timestamp is the later of the record's
// and the group's previous result's (Kafka Streams' KTableAggregate), kept in the group's state
// even when its rows have all gone. Output rows as AggregateOperator's:
// [group key..., aggregate results..., ROWTIME]. Single-threaded, inside its task.
#include <string>
#include <vector>

#include "operators/aggregate.h"

namespace eddy {

class TableAggregateOperator final : public Operator {
 public:
  explicit TableAggregateOperator(AggregateSpec spec) : spec_(std::move(spec)) {}
  Status Open(OperatorContext& ctx) override;
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "TableAggregate " + spec_.text; }

 private:
  enum class Fold : uint8_t { kAdd, kUndo };
  // The group key of `record`; false when a grouping column is NULL (the row is left out).
  bool GroupKey(const Record& record, Row* key);
  Result<Row> Apply(const Row& key, const Record& record, Fold fold);
  Status Emit(const Row& key, const Row& state, const Record& in);

  AggregateSpec spec_;
  KvStore* store_ = nullptr;
  KvStore* rows_ = nullptr;
  std::string key_buf_, value_buf_;
  std::vector<Value> args_;
};

}  // namespace eddy
