#include "operators/filter.h"

#include "engine/common/value_codec.h"
#include "engine/state/state_db.h"
#include "operators/processing_log.h"

namespace eddy {

Status PassingKeys::Open(OperatorContext& ctx, const std::string& store_name) {
  ASSIGN_OR_RETURN(store_, ctx.Store(store_name));
  return Status::Ok();
}

Result<bool> PassingKeys::Update(Record& record, bool match) {
  key_buf_.clear();
  if (record.window) {
    Row k = record.key;
    k.push_back(Value::Bigint(record.window->start));
    k.push_back(Value::Bigint(record.window->end));
    EncodeRow(k, key_buf_);
  } else {
    EncodeRow(record.key, key_buf_);
  }
  if (match) {
    value_buf_.assign(1, static_cast<char>(kStateFormatVersion));
    RETURN_IF_ERROR(store_->Put(key_buf_, value_buf_));
    return true;
  }
  ASSIGN_OR_RETURN(bool passed, store_->Get(key_buf_, &value_buf_));
  if (!passed) return false;
  RETURN_IF_ERROR(store_->Delete(key_buf_));
  record.value.reset();
  return true;
}

Status FilterOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  if (!track_store_name_.empty()) {
    passing_.emplace();
    RETURN_IF_ERROR(passing_->Open(ctx, track_store_name_));
  }
  return Status::Ok();
}

Status FilterOperator::ProcessTracked(Record record, bool match) {
  ASSIGN_OR_RETURN(bool forward, passing_->Update(record, match));
  return forward ? Forward(std::move(record)) : Status::Ok();
}

Status FilterOperator::Process(Record record, int) {
  if (record.is_tombstone()) {
    if (passing_) return ProcessTracked(std::move(record), false);
    return drop_tombstones_ ? Status::Ok() : Forward(std::move(record));
  }
  EvalContext ec{&record, {}};
  Value v = predicate_->Eval(ec);
  if (!ec.error.empty() && ctx_ && ctx_->processing_log) {
    ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
  }
  if (passing_) return ProcessTracked(std::move(record), !v.is_null() && v.as_bool());
  if (v.is_null() || !v.as_bool()) {
    if (!non_matching_as_tombstone_) return Status::Ok();
    record.value.reset();
  }
  return Forward(std::move(record));
}

}  // namespace eddy
