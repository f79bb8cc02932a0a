#include "operators/table_table_join.h"

#include <algorithm>

#include "engine/common/value_codec.h"
#include "operators/join_row.h"

namespace eddy {

Status TableTableJoinOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  ASSIGN_OR_RETURN(store_, ctx.Store(spec_.store_name));
  return Status::Ok();
}

// Stored per side: side byte + encoded key -> [timestamp, row...].
Status TableTableJoinOperator::Process(Record record, int port) {
  if (record.key.empty() || record.key[0].is_null()) return Status::Ok();
  const int other = 1 - port;
  const bool this_outer = port == 0 ? spec_.left_outer : spec_.right_outer;
  const bool other_outer = port == 0 ? spec_.right_outer : spec_.left_outer;

  key_buf_.assign(1, static_cast<char>(port));
  EncodeRow(record.key, key_buf_);
  ASSIGN_OR_RETURN(bool had_row, store_->Get(key_buf_, &value_buf_));
  if (record.is_tombstone()) {
    if (had_row) RETURN_IF_ERROR(store_->Delete(key_buf_));
  } else {
    Row stored;
    stored.reserve(record.value->size() + 1);
    stored.push_back(Value::Bigint(record.timestamp));
    stored.insert(stored.end(), record.value->begin(), record.value->end());
    EncodeState(stored, value_buf_);
    RETURN_IF_ERROR(store_->Put(key_buf_, value_buf_));
  }

  key_buf_[0] = static_cast<char>(other);
  ASSIGN_OR_RETURN(bool other_found, store_->Get(key_buf_, &value_buf_));
  Row other_row;
  int64_t other_ts = 0;
  if (other_found) {
    ASSIGN_OR_RETURN(other_row, DecodeState(value_buf_, "table-table join"));
    other_ts = other_row.empty() ? 0 : other_row[0].as_bigint();
    other_row.erase(other_row.begin());
  }

  Record out;
  out.key = std::move(record.key);
  out.partition = record.partition;
  out.offset = record.offset;
  const Row* this_row = record.is_tombstone() ? nullptr : &*record.value;
  const Row* that_row = other_found ? &other_row : nullptr;
  if (!other_found) {
    if (!this_outer) return Status::Ok();
    if (!this_row && !had_row) return Status::Ok();
    out.timestamp = record.timestamp;
  } else {
    out.timestamp = std::max(record.timestamp, other_ts);
    if (!this_row && !other_outer) this_row = that_row = nullptr;  // a tombstone
  }
  if (this_row || that_row) {
    const Row* left = port == 0 ? this_row : that_row;
    const Row* right = port == 0 ? that_row : this_row;
    out.value = JoinRows(left, right, spec_.left_width, spec_.right_width);
  }
  return Forward(std::move(out));
}

}  // namespace eddy
