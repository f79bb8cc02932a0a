#include "operators/having_filter.h"

#include "engine/common/value_codec.h"
#include "engine/state/state_db.h"
#include "operators/processing_log.h"

namespace eddy {

Status HavingFilterOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  ASSIGN_OR_RETURN(store_, ctx.Store(store_name_));
  return Status::Ok();
}

Status HavingFilterOperator::Process(Record record, int) {
  Row k = record.key;
  if (record.window) {
    k.push_back(Value::Bigint(record.window->start));
    k.push_back(Value::Bigint(record.window->end));
  }
  key_buf_.clear();
  EncodeRow(k, key_buf_);
  bool match = false;
  if (!record.is_tombstone()) {
    EvalContext ec{&record, {}};
    Value v = predicate_->Eval(ec);
    if (!ec.error.empty() && ctx_ && ctx_->processing_log)
      ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
    match = !v.is_null() && v.as_bool();
  }
  if (match) {
    value_buf_.assign(1, static_cast<char>(kStateFormatVersion));
    RETURN_IF_ERROR(store_->Put(key_buf_, value_buf_));
    return Forward(std::move(record));
  }
  ASSIGN_OR_RETURN(bool passed, store_->Get(key_buf_, &value_buf_));
  if (!passed) return Status::Ok();
  RETURN_IF_ERROR(store_->Delete(key_buf_));
  record.value.reset();
  return Forward(std::move(record));
}

}  // namespace eddy
