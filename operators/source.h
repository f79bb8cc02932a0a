#pragma once
// SourceOperator: the start of a query over one topic. Turns serialized records into Records:
// deserializes key and value with the source's formats, takes the event time from ROWTIME or
// the TIMESTAMP column, and sends unreadable records to the processing log.
#include <memory>
#include <functional>
#include <optional>
#include <string>

#include "engine/io/format.h"
#include "operators/operator.h"

namespace eddy {

struct SourceSpec {
  std::string name;   // the stream or table
  std::string topic;
  bool is_table = false;
  size_t key_columns = 0;
  size_t value_columns = 0;
  std::unique_ptr<Format> key_format;
  std::unique_ptr<Format> value_format;
  // Index of the value column holding the event time (TIMESTAMP property), if any, with an
  // optional parser for string columns (TIMESTAMP_FORMAT).
  std::optional<size_t> timestamp_column;
  std::function<std::optional<int64_t>(const Value&)> timestamp_parser;
  // A stream record with a null value is dropped unless set (PARTITION BY forwards it, re-keyed,
  // as ksqlDB does).
  bool forward_null_values = false;
};

class SourceOperator final : public Operator {
 public:
  explicit SourceOperator(SourceSpec spec) : spec_(std::move(spec)) {}
  const std::string& topic() const { return spec_.topic; }
  const SourceSpec& spec() const { return spec_; }

  // Feeds one record read from the topic.
  Status Ingest(const RawRecord& raw);
  Status Process(Record record, int port) override { return Forward(std::move(record)); }
  std::string Describe() const override;

 private:
  void LogError(const RawRecord& raw, const std::string& message);
  SourceSpec spec_;
};

}  // namespace eddy
