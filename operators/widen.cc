#include "operators/widen.h"

namespace eddy {

Row WidenOperator::WideRow(Record& record, bool windowed) {
  Row wide;
  wide.reserve(record.key.size() + record.value->size() + kWidePseudoColumns);
  for (auto& v : record.key) wide.push_back(v);
  for (auto& v : *record.value) wide.push_back(std::move(v));
  wide.push_back(Value::Bigint(record.timestamp));
  wide.push_back(Value::Int(record.partition));
  wide.push_back(Value::Bigint(record.offset));
  if (windowed) {
    wide.push_back(record.window ? Value::Bigint(record.window->start) : Value::Null());
    wide.push_back(record.window ? Value::Bigint(record.window->end) : Value::Null());
  }
  return wide;
}

Status WidenOperator::Process(Record record, int) {
  if (!record.is_tombstone()) record.value = WideRow(record, windowed_);
  return Forward(std::move(record));
}

}  // namespace eddy
