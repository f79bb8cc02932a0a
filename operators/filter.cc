#include "operators/filter.h"

#include "operators/processing_log.h"

namespace eddy {

Status FilterOperator::Process(Record record, int) {
  if (record.is_tombstone()) return drop_tombstones_ ? Status::Ok() : Forward(std::move(record));
  EvalContext ec{&record, {}};
  Value v = predicate_->Eval(ec);
  if (!ec.error.empty() && ctx_ && ctx_->processing_log) {
    ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
  }
  if (v.is_null() || !v.as_bool()) {
    if (!non_matching_as_tombstone_) return Status::Ok();
    record.value.reset();
  }
  return Forward(std::move(record));
}

}  // namespace eddy
