#include "operators/sink.h"

#include <fmt/format.h>

#include "engine/common/value_codec.h"
#include "engine/state/kv_store.h"
#include "operators/processing_log.h"

namespace eddy {
namespace {

void PutBe64(std::string& out, int64_t v) {
  uint64_t u = static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}

}  // namespace

std::string MaterializedKey(const RawRecord& raw) {
  std::string k = raw.key.value_or(std::string());
  if (raw.window) {
    k.push_back('\x01');
    PutBe64(k, raw.window->start);
    PutBe64(k, raw.window->end);
  } else {
    k.push_back('\x00');
  }
  return k;
}

Result<RawRecord> MaterializedRecord(std::string_view key, std::string_view value) {
  ASSIGN_OR_RETURN(Row row, DecodeState(value, "a materialized table row"));
  if (row.size() != 4 || key.empty()) return Status::Internal("a materialized table row has the wrong shape");
  RawRecord raw;
  bool windowed = !row[1].is_null();
  if (key.size() < (windowed ? 17u : 1u)) return Status::Internal("a materialized table key is too short");
  raw.key = std::string(key.substr(0, key.size() - (windowed ? 17 : 1)));
  raw.timestamp = row[0].as_bigint();
  if (windowed) raw.window = Window{row[1].as_bigint(), row[2].as_bigint()};
  if (!row[3].is_null()) raw.value = row[3].as_bytes();
  return raw;
}

Status SinkOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  if (spec_.materialize && ctx.state) {
    ASSIGN_OR_RETURN(materialized_, ctx.Store(kMaterializedStore));
  }
  return Status::Ok();
}

Status SinkOperator::Process(Record record, int) {
  RawRecord raw;
  raw.timestamp = record.timestamp;
  if (spec_.timestamp_column) {
    if (record.timestamp > stream_time_) stream_time_ = record.timestamp;
    if (record.value) {
      Result<int64_t> ts = spec_.timestamp_column->Extract(record);
      if (ts.ok() && ts.value() < 0)
        ts = Status::Invalid(fmt::format("Timestamp may not be negative. Got: {}", ts.value()));
      if (!ts.ok()) {
        if (ctx_ && ctx_->processing_log)
          ctx_->processing_log->Add({ctx_->query_id, spec_.topic, record.partition, record.offset,
                                     "Error writing row with extracted timestamp: " + ts.status().message()});
        return Status::Ok();
      }
      raw.timestamp = ts.value();
    } else {
      raw.timestamp = stream_time_;
    }
  }
  raw.partition = record.partition;
  raw.window = record.window;
  raw.headers = ctx_->headers;
  if (!record.null_key && !spec_.key_format->SerializesToNull(record.key)) {
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
  CountOut(raw.timestamp);
  if (materialized_ && raw.key) {
    std::string key = MaterializedKey(raw);
    if (raw.value) {
      Row row{Value::Bigint(raw.timestamp), raw.window ? Value::Bigint(raw.window->start) : Value::Null(),
              raw.window ? Value::Bigint(raw.window->end) : Value::Null(), Value::Blob(*raw.value)};
      EncodeState(row, scratch_);
      RETURN_IF_ERROR(materialized_->Put(key, scratch_));
    } else {
      RETURN_IF_ERROR(materialized_->Delete(key));
    }
  }
  return ctx_->writer->Write(spec_.topic, std::move(raw));
}

}  // namespace eddy
