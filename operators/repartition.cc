#include "operators/repartition.h"

#include <fmt/format.h>

#include "engine/common/value_codec.h"
#include "operators/aggregate.h"
#include "operators/processing_log.h"

namespace eddy {

Status RepartitionSinkOperator::Process(Record record, int) {
  if (group_by_) {
    if (record.is_tombstone()) return Status::Ok();
    EvalContext ec{&record, {}};
    Row key;
    if (!EvalGroupKey(*group_by_, record, ec, ctx_, key)) return Status::Ok();
    record.key = std::move(key);
  }
  RawRecord raw;
  if (!record.key.empty()) {
    key_buf_.clear();
    if (!key_format_ || key_format_->SerializesToNull(record.key) || !key_format_->Serialize(record.key, key_buf_).ok()) {
      key_buf_.clear();
      EncodeRow(record.key, key_buf_);
    }
    raw.key.emplace(key_buf_);
  }
  value_buf_.assign(5, '\0');
  value_buf_[0] = record.value ? 1 : 0;
  EncodeRow(record.key, value_buf_);
  uint32_t key_len = static_cast<uint32_t>(value_buf_.size() - 5);
  for (int i = 0; i < 4; ++i) value_buf_[1 + i] = static_cast<char>((key_len >> (8 * (3 - i))) & 0xff);
  if (record.value) EncodeRow(*record.value, value_buf_);
  raw.value.emplace(value_buf_);
  raw.timestamp = record.timestamp;
  raw.headers = ctx_->headers;  // the next task's outputs carry them too
  CountOut(record.timestamp);
  return ctx_->writer->Write(topic_, std::move(raw));
}

Status RepartitionSourceOperator::Ingest(const RawRecord& raw) {
  auto corrupt = [&](const std::string& why) {
    return Status::Internal(fmt::format("repartition topic {} partition {} offset {}: {}", topic_, raw.partition,
                                        raw.offset, why));
  };
  if (ctx_) ctx_->headers = raw.headers;
  if (!raw.value || raw.value->size() < 5) return corrupt("not a record eddy wrote");
  std::string_view in(*raw.value);
  bool has_value = in[0] != 0;
  uint32_t key_len = 0;
  for (int i = 1; i <= 4; ++i) key_len = (key_len << 8) | static_cast<uint8_t>(in[i]);
  in.remove_prefix(5);
  if (key_len > in.size()) return corrupt("truncated");
  Record record;
  Result<Row> key = DecodeRow(in.substr(0, key_len));
  if (!key.ok()) return corrupt(key.status().message());
  record.key = std::move(key).value();
  if (has_value) {
    Result<Row> value = DecodeRow(in.substr(key_len));
    if (!value.ok()) return corrupt(value.status().message());
    record.value = std::move(value).value();
  }
  record.timestamp = raw.timestamp;
  record.partition = raw.partition;
  record.offset = raw.offset;
  return Forward(std::move(record));
}

}  // namespace eddy
