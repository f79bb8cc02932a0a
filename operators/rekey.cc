#include "operators/rekey.h"

#include "operators/processing_log.h"

namespace eddy {

Status RekeyOperator::Process(Record record, int) {
  if (record.is_tombstone()) return Status::Ok();
  EvalContext ec{&record, {}};
  Row key;
  key.reserve(key_.size());
  for (const auto& e : key_) key.push_back(e->Eval(ec));
  if (!ec.error.empty() && ctx_ && ctx_->processing_log) {
    ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
  }
  record.key = std::move(key);
  return Forward(std::move(record));
}

}  // namespace eddy
