#include "operators/fk_join.h"

#include <algorithm>

#include "engine/common/value_codec.h"
#include "operators/join_row.h"
#include "operators/processing_log.h"

namespace eddy {

// Store layout, one byte of prefix each:
//   'L' + encoded left key                  -> [timestamp, foreign key, left row...]
//   'R' + encoded right key value           -> [timestamp, right row...]
//   'S' + encoded foreign key + encoded left key -> empty (a subscription)
// Encoded values are self-delimiting, so 'S' + encoded foreign key is a prefix of exactly that
// key's subscriptions.
namespace {
constexpr char kLeft = 'L';
constexpr char kRight = 'R';
constexpr char kSubscription = 'S';
}  // namespace

Status ForeignKeyJoinOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  ASSIGN_OR_RETURN(store_, ctx.Store(spec_.store_name));
  return Status::Ok();
}

Status ForeignKeyJoinOperator::Process(Record record, int port) {
  if (record.key.empty() || record.null_key) return Status::Ok();
  return port == 0 ? ProcessLeft(std::move(record)) : ProcessRight(std::move(record));
}

void ForeignKeyJoinOperator::SubscriptionKey(const Value& fk, std::string_view left_key) {
  sub_key_.assign(1, kSubscription);
  EncodeValue(fk, sub_key_);
  sub_key_.append(left_key);
}

Result<bool> ForeignKeyJoinOperator::GetRight(const Value& fk, Row* row, int64_t* ts) {
  buf_.assign(1, kRight);
  EncodeValue(fk, buf_);
  ASSIGN_OR_RETURN(bool found, store_->Get(buf_, &right_stored_));
  if (!found) return false;
  ASSIGN_OR_RETURN(*row, DecodeState(right_stored_, "foreign-key join right row"));
  *ts = row->empty() ? 0 : (*row)[0].as_bigint();
  if (!row->empty()) row->erase(row->begin());
  return true;
}

Status ForeignKeyJoinOperator::ProcessLeft(Record record) {
  left_key_.clear();
  EncodeRow(record.key, left_key_);
  buf_.assign(1, kLeft);
  buf_.append(left_key_);

  // The row this key had before: its foreign key decides which subscription goes.
  std::string& stored = stored_;
  ASSIGN_OR_RETURN(bool had_old, store_->Get(buf_, &stored));
  Value old_fk;
  if (had_old) {
    ASSIGN_OR_RETURN(Row old_row, DecodeState(stored, "foreign-key join left row"));
    if (old_row.size() >= 2) old_fk = std::move(old_row[1]);
  }

  Value new_fk;
  if (!record.is_tombstone()) {
    EvalContext ec{&record, {}};
    new_fk = spec_.foreign_key->Eval(ec);
    if (!ec.error.empty() && ctx_ && ctx_->processing_log)
      ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
    Row row;
    row.reserve(record.value->size() + 2);
    row.push_back(Value::Bigint(record.timestamp));
    row.push_back(new_fk);
    row.insert(row.end(), record.value->begin(), record.value->end());
    EncodeState(row, stored);
    RETURN_IF_ERROR(store_->Put(buf_, stored));
  } else if (had_old) {
    RETURN_IF_ERROR(store_->Delete(buf_));
  }

  const bool old_sub = had_old && !old_fk.is_null();
  const bool new_sub = !record.is_tombstone() && !new_fk.is_null();
  // Both sides have the right key's type, so equal values are equal keys.
  const bool fk_changed = old_sub != new_sub || (old_sub && !(old_fk == new_fk));
  if (old_sub && fk_changed) {
    SubscriptionKey(old_fk, left_key_);
    RETURN_IF_ERROR(store_->Delete(sub_key_));
  }
  if (new_sub && fk_changed) {
    SubscriptionKey(new_fk, left_key_);
    RETURN_IF_ERROR(store_->Put(sub_key_, {}));
  }

  Record out;
  out.key = std::move(record.key);
  out.partition = record.partition;
  out.offset = record.offset;
  out.timestamp = record.timestamp;
  Row right;
  int64_t right_ts = 0;

  if (record.is_tombstone()) {
    if (!had_old) return Status::Ok();
    if (!spec_.left_outer) {
      // INNER: only a row that subscribed can have had a result; the tombstone carries the
      // later of its time and its old right row's.
      if (!old_sub) return Status::Ok();
      ASSIGN_OR_RETURN(bool found, GetRight(old_fk, &right, &right_ts));
      if (found) out.timestamp = std::max(out.timestamp, right_ts);
    }
    return Forward(std::move(out));
  }

  bool found = false;
  if (new_sub) {
    ASSIGN_OR_RETURN(found, GetRight(new_fk, &right, &right_ts));
  }
  if (found) {
    out.timestamp = std::max(out.timestamp, right_ts);
    out.value = JoinRows(&*record.value, &right, spec_.left_width, spec_.right_width);
  } else if (spec_.left_outer) {
    out.value = JoinRows(&*record.value, nullptr, spec_.left_width, spec_.right_width);
  } else if (!old_sub || !fk_changed) {
    return Status::Ok();  // INNER without a match, and no earlier result under another key
  } else if (!new_sub) {
    // INNER, the foreign key became NULL: the old result goes, at the later of the times.
    ASSIGN_OR_RETURN(bool old_found, GetRight(old_fk, &right, &right_ts));
    if (old_found) out.timestamp = std::max(out.timestamp, right_ts);
  }
  return Forward(std::move(out));
}

Status ForeignKeyJoinOperator::ProcessRight(Record record) {
  if (record.key[0].is_null()) return Status::Ok();
  buf_.assign(1, kRight);
  EncodeValue(record.key[0], buf_);
  if (record.is_tombstone()) {
    RETURN_IF_ERROR(store_->Delete(buf_));
  } else {
    Row row;
    row.reserve(record.value->size() + 1);
    row.push_back(Value::Bigint(record.timestamp));
    row.insert(row.end(), record.value->begin(), record.value->end());
    EncodeState(row, stored_);
    RETURN_IF_ERROR(store_->Put(buf_, stored_));
  }

  // Every left row subscribed to this key, collected first: emitting writes to other stores.
  SubscriptionKey(record.key[0], {});
  subscribers_.clear();
  RETURN_IF_ERROR(store_->Scan(
      [&](std::string_view key, std::string_view) {
        if (key.substr(0, sub_key_.size()) != sub_key_) return false;
        subscribers_.emplace_back(key.substr(sub_key_.size()));
        return true;
      },
      sub_key_));
  if (subscribers_.empty()) return Status::Ok();

  const Row* right = record.is_tombstone() ? nullptr : &*record.value;
  std::string& stored = stored_;
  for (const std::string& left_key : subscribers_) {
    buf_.assign(1, kLeft);
    buf_.append(left_key);
    ASSIGN_OR_RETURN(bool found, store_->Get(buf_, &stored));
    if (!found) continue;
    Record out;
    ASSIGN_OR_RETURN(out.key, DecodeRow(left_key));
    out.partition = record.partition;
    out.offset = record.offset;
    out.timestamp = record.timestamp;
    if (right || spec_.left_outer) {
      ASSIGN_OR_RETURN(Row left, DecodeState(stored, "foreign-key join left row"));
      if (left.size() < 2) continue;
      left.erase(left.begin(), left.begin() + 2);
      out.value = JoinRows(&left, right, spec_.left_width, spec_.right_width);
    }
    RETURN_IF_ERROR(Forward(std::move(out)));
  }
  return Status::Ok();
}

}  // namespace eddy
