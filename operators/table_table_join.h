#pragma once
// TableTableJoinOperator: two tables joined on their primary key, with Kafka Streams' KTable
// join semantics as ksqlDB shows them. Port 0 is the left table, port 1 the right one; each
// side's current rows (with their timestamps) are kept in a RocksDB store. An update of one side
// (a row or a tombstone) looks up the other side's row for its key:
//  - the other side has a row: emit [left row..., right row...] (the updated side padded with
//    NULLs when it was deleted and the join keeps the other side's rows: RIGHT for a left delete,
//    LEFT for a right delete, FULL for either), or a tombstone (INNER, and the outer side's own
//    delete), at the later of the two timestamps;
//  - the other side has none: an outer side (LEFT: left, RIGHT: right, FULL: both) emits its row
//    padded with NULLs, or a tombstone when it was deleted and had a row before, at the update's
//    timestamp; otherwise nothing.
#include <string>

#include "engine/state/kv_store.h"
#include "operators/operator.h"

namespace eddy {

struct TableTableJoinSpec {
  bool left_outer = false;   // LEFT and FULL
  bool right_outer = false;  // RIGHT and FULL
  size_t left_width = 0;
  size_t right_width = 0;
  std::string store_name;
  std::string text;
};

class TableTableJoinOperator final : public Operator {
 public:
  explicit TableTableJoinOperator(TableTableJoinSpec spec) : spec_(std::move(spec)) {}
  Status Open(OperatorContext& ctx) override;
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "TableTableJoin " + spec_.text; }

 private:
  TableTableJoinSpec spec_;
  KvStore* store_ = nullptr;
  std::string key_buf_, value_buf_;
};

}  // namespace eddy
