#include "operators/stream_table_join.h"

#include "engine/common/value_codec.h"
#include "engine/state/state_db.h"

namespace eddy {

Status StreamTableJoinOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  ASSIGN_OR_RETURN(store_, ctx.Store(spec_.store_name));
  return Status::Ok();
}

Status StreamTableJoinOperator::Process(Record record, int port) {
  key_buf_.clear();
  EncodeRow(record.key, key_buf_);
  if (port == 1) {
    if (record.is_tombstone()) return store_->Delete(key_buf_);
    EncodeState(*record.value, value_buf_);
    return store_->Put(key_buf_, value_buf_);
  }
  if (record.is_tombstone()) return Status::Ok();
  bool null_key = record.key.empty() || record.key[0].is_null();
  bool found = false;
  if (!null_key) {
    ASSIGN_OR_RETURN(found, store_->Get(key_buf_, &value_buf_));
  }
  if (!found && !spec_.left_outer) return Status::Ok();
  if (null_key && !spec_.left_outer) return Status::Ok();
  Row& out = *record.value;
  if (found) {
    ASSIGN_OR_RETURN(Row table_row, DecodeState(value_buf_, "join"));
    out.reserve(out.size() + table_row.size());
    for (auto& v : table_row) out.push_back(std::move(v));
  } else {
    out.resize(out.size() + spec_.table_width);
  }
  return Forward(std::move(record));
}

}  // namespace eddy
