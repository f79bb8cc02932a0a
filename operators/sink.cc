#include "operators/sink.h"

#include <fmt/format.h>

#include "operators/processing_log.h"

namespace eddy {

Status SinkOperator::Process(Record record, int) {
  RawRecord raw;
  raw.timestamp = record.timestamp;
  raw.partition = record.partition;
  raw.window = record.window;
  if (!spec_.key_format->SerializesToNull(record.key)) {
    std::string key;
    Status s = spec_.key_format->Serialize(record.key, key);
    if (!s.ok()) {
      if (ctx_ && ctx_->processing_log)
        ctx_->processing_log->Add({ctx_->query_id, spec_.topic, record.partition, record.offset,
                                   fmt::format("Failed to serialize key for {}: {}", spec_.name, s.message())});
      return Status::Ok();
    }
    raw.key = std::move(key);
  }
  if (record.value && !spec_.value_format->SerializesToNull(*record.value)) {
    std::string value;
    Status s = spec_.value_format->Serialize(*record.value, value);
    if (!s.ok()) {
      if (ctx_ && ctx_->processing_log)
        ctx_->processing_log->Add({ctx_->query_id, spec_.topic, record.partition, record.offset,
                                   fmt::format("Failed to serialize value for {}: {}", spec_.name, s.message())});
      return Status::Ok();
    }
    raw.value = std::move(value);
  }
  CountOut();
  return ctx_->writer->Write(spec_.topic, std::move(raw));
}

}  // namespace eddy
