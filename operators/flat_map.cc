#include "operators/flat_map.h"

#include <algorithm>

#include "operators/processing_log.h"

namespace eddy {

Status FlatMapOperator::Process(Record record, int) {
  if (record.is_tombstone()) return Status::Ok();
  EvalContext ec{&record, {}};
  size_t rows = 0;
  for (size_t i = 0; i < spec_.calls.size(); ++i) {
    const TableFunctionCall& call = spec_.calls[i];
    args_.clear();
    for (const auto& a : call.args) args_.push_back(a->Eval(ec));
    lists_[i].clear();
    call.impl(args_.data(), args_.size(), &lists_[i]);
    rows = std::max(rows, lists_[i].size());
  }
  if (!ec.error.empty() && ctx_ && ctx_->processing_log)
    ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
  for (size_t r = 0; r < rows; ++r) {
    Record out;
    out.timestamp = record.timestamp;
    out.partition = record.partition;
    out.offset = record.offset;
    out.window = record.window;
    out.key = record.key;
    out.null_key = record.null_key;
    Row value;
    value.reserve(record.value->size() + lists_.size());
    value.insert(value.end(), record.value->begin(), record.value->end());
    for (const ValueList& list : lists_) value.push_back(r < list.size() ? list[r] : Value());
    out.value = std::move(value);
    RETURN_IF_ERROR(Forward(std::move(out)));
  }
  return Status::Ok();
}

}  // namespace eddy
