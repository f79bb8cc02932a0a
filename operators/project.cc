#include "operators/project.h"

#include <algorithm>

#include "operators/processing_log.h"

namespace eddy {

Status ProjectOperator::Process(Record record, int) {
  if (record.is_tombstone()) {
    if (!spec_.forward_tombstones) return Status::Ok();
    if (spec_.tombstone_keeps_key) return Forward(std::move(record));
    Record keyed;
    keyed.value.emplace(std::max(spec_.input_width, record.key.size()));
    std::copy(record.key.begin(), record.key.end(), keyed.value->begin());
    EvalContext kc{&keyed, {}};
    Record out;
    out.timestamp = record.timestamp;
    out.partition = record.partition;
    out.offset = record.offset;
    out.window = record.window;
    out.null_key = record.null_key;
    for (const auto& e : spec_.key) out.key.push_back(e->Eval(kc));
    return Forward(std::move(out));
  }
  EvalContext ec{&record, {}};
  Record out;
  out.timestamp = record.timestamp;
  out.partition = record.partition;
  out.offset = record.offset;
  out.window = record.window;
  out.null_key = record.null_key;
  out.key.reserve(spec_.key.size());
  for (const auto& e : spec_.key) out.key.push_back(e->Eval(ec));
  Row value;
  value.reserve(spec_.value.size());
  for (const auto& e : spec_.value) value.push_back(e->Eval(ec));
  out.value = std::move(value);
  if (!ec.error.empty() && ctx_ && ctx_->processing_log) {
    ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
  }
  return Forward(std::move(out));
}

}  // namespace eddy
