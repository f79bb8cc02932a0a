#pragma once
// StreamTableJoinOperator: a stream joined to a table on the table's primary key.
// Port 0 is the stream side, already re-keyed by the join expression; port 1 is the table
// side, keyed by its primary key. Table updates are kept in a RocksDB store and emit nothing;
// each stream record looks its key up and emits [stream row..., table row...] with the stream
// record's timestamp. A table tombstone deletes the row. INNER drops stream records without a
// match, LEFT pads the table columns with NULLs.
#include "engine/state/kv_store.h"
#include "operators/operator.h"

namespace eddy {

struct StreamTableJoinSpec {
  bool left_outer = false;
  size_t table_width = 0;  // columns of the table's wide row
  std::string store_name;
  std::string text;
};

class StreamTableJoinOperator final : public Operator {
 public:
  explicit StreamTableJoinOperator(StreamTableJoinSpec spec) : spec_(std::move(spec)) {}
  Status Open(OperatorContext& ctx) override;
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "StreamTableJoin " + spec_.text; }

 private:
  StreamTableJoinSpec spec_;
  KvStore* store_ = nullptr;
  std::string key_buf_, value_buf_;
};

}  // namespace eddy
