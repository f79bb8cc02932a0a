#include "operators/rekey.h"

#include <algorithm>

#include "operators/processing_log.h"

namespace eddy {

Status RekeyOperator::Process(Record record, int) {
  Record null_row;
  const Record* input = &record;
  if (record.is_tombstone()) {
    if (!append_to_value_) return Status::Ok();
    null_row.value.emplace(std::max(input_width_, record.key.size()));
    std::copy(record.key.begin(), record.key.end(), null_row.value->begin());
    input = &null_row;
  }
  EvalContext ec{input, {}};
  Row key;
  key.reserve(key_.size());
  for (size_t i = 0; i < key_.size(); ++i) {
    bool computable = !record.is_tombstone() || i >= null_value_keys_.size() || null_value_keys_[i];
    key.push_back(computable ? key_[i]->Eval(ec) : Value());
  }
  if (!ec.error.empty() && ctx_ && ctx_->processing_log) {
    ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
  }
  if (append_to_value_ && record.value) record.value->insert(record.value->end(), key.begin(), key.end());
  record.key = std::move(key);
  record.null_key = false;
  return Forward(std::move(record));
}

}  // namespace eddy
