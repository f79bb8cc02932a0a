#include "operators/having_filter.h"

#include "operators/processing_log.h"

namespace eddy {

Status HavingFilterOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  return passing_.Open(ctx, store_name_);
}

Status HavingFilterOperator::Process(Record record, int) {
  bool match = false;
  if (!record.is_tombstone()) {
    EvalContext ec{&record, {}};
    Value v = predicate_->Eval(ec);
    if (!ec.error.empty() && ctx_ && ctx_->processing_log)
      ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
    match = !v.is_null() && v.as_bool();
  }
  ASSIGN_OR_RETURN(bool forward, passing_.Update(record, match));
  return forward ? Forward(std::move(record)) : Status::Ok();
}

}  // namespace eddy
