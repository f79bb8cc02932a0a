#include "operators/source.h"

#include <fmt/format.h>

#include "operators/processing_log.h"

namespace eddy {

void SourceOperator::LogError(const RawRecord& raw, const std::string& message) {
  if (ctx_ && ctx_->processing_log) {
    ctx_->processing_log->Add({ctx_->query_id, spec_.topic, raw.partition, raw.offset, message});
  }
}

void SourceOperator::FillHeaderColumns(const RawRecord& raw, Row& value) const {
  for (const auto& col : spec_.header_columns) {
    if (col.index >= value.size()) continue;
    if (col.all) {
      ValueList items;
      if (raw.headers) {
        items.reserve(raw.headers->size());
        for (const Header& h : *raw.headers)
          items.push_back(Value::Struct({Value::String(h.key), h.value ? Value::Blob(*h.value) : Value::Null()}));
      }
      value[col.index] = Value::Array(std::move(items));
      continue;
    }
    value[col.index] = Value::Null();
    if (!raw.headers) continue;
    for (auto it = raw.headers->rbegin(); it != raw.headers->rend(); ++it) {
      if (it->key != col.key) continue;
      if (it->value) value[col.index] = Value::Blob(*it->value);
      break;
    }
  }
}

Status SourceOperator::Ingest(const RawRecord& raw) {
  // Everything this record causes downstream carries its headers.
  if (ctx_) ctx_->headers = raw.headers;
  Record rec;
  rec.timestamp = raw.timestamp;
  rec.partition = raw.partition;
  rec.offset = raw.offset;
  rec.window = raw.window;
  rec.key.resize(spec_.key_columns);
  rec.null_key = !raw.key.has_value();
  if (raw.key && spec_.key_columns > 0) {
    Status s = spec_.key_format->Deserialize(*raw.key, rec.key);
    if (!s.ok()) {
      LogError(raw, fmt::format("Failed to deserialize key from topic {}: {}", spec_.topic, s.message()));
      return Status::Ok();
    }
  }
  if (!raw.value) {
    // A null value deletes a table row; on a stream there is nothing to process.
    if (!spec_.is_table) return spec_.forward_null_values ? Forward(std::move(rec)) : Status::Ok();
    if (spec_.key_columns > 0 && rec.key[0].is_null()) return Status::Ok();
    return Forward(std::move(rec));
  }
  rec.value.emplace(spec_.value_columns);
  Status s = spec_.value_format->Deserialize(*raw.value, *rec.value);
  if (!s.ok()) {
    LogError(raw, fmt::format("Failed to deserialize value from topic {}: {}", spec_.topic, s.message()));
    return Status::Ok();
  }
  if (!spec_.header_columns.empty()) FillHeaderColumns(raw, *rec.value);
  if (spec_.timestamp_column) {
    Result<int64_t> ts = spec_.timestamp_column->Extract(rec);
    if (!ts.ok()) {
      LogError(raw, "Failed to extract timestamp from row: " + ts.status().message());
      if (spec_.throw_on_invalid_timestamp) {
        return Status::Invalid(fmt::format("Fatal user code error in TimestampExtractor callback for record "
                                           "(topic {}, partition {}, offset {}): {}", spec_.topic, raw.partition,
                                           raw.offset, ts.status().message()));
      }
      return Status::Ok();
    }
    if (ts.value() < 0) {
      LogError(raw, fmt::format("Skipping a record with a negative event time {} in column {}", ts.value(),
                                spec_.timestamp_column->name));
      return Status::Ok();
    }
    rec.timestamp = ts.value();
  }
  // A table's PRIMARY KEY is NOT NULL: rows with a null key are dropped.
  if (spec_.is_table && spec_.key_columns > 0 && rec.key[0].is_null()) {
    LogError(raw, fmt::format("Skipping a record with a null key on table {}", spec_.name));
    return Status::Ok();
  }
  return Forward(std::move(rec));
}

std::string SourceOperator::Describe() const {
  return fmt::format("Source {} {} (topic {})", spec_.is_table ? "table" : "stream", spec_.name, spec_.topic);
}

}  // namespace eddy
