#include "operators/widen.h"

namespace eddy {

Row WidenOperator::WideRow(Record& record) {
  Row wide;
  wide.reserve(record.key.size() + record.value->size() + kWidePseudoColumns);
  for (auto& v : record.key) wide.push_back(v);
  for (auto& v : *record.value) wide.push_back(std::move(v));
  wide.push_back(Value::Bigint(record.timestamp));
  wide.push_back(Value::Int(record.partition));
  wide.push_back(Value::Bigint(record.offset));
  return wide;
}

Status WidenOperator::Process(Record record, int) {
  if (!record.is_tombstone()) record.value = WideRow(record);
  return Forward(std::move(record));
}

}  // namespace eddy
