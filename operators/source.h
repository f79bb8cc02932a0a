#pragma once
// SourceOperator: the start of a query over one topic. Turns serialized records into Records:
// deserializes key and value with the source's formats, takes the event time from ROWTIME or
// the TIMESTAMP column, and sends unreadable records to the processing log.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/io/format.h"
#include "operators/event_time.h"
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
  // The column holding the event time (TIMESTAMP property), if any. A record whose column is
  // null or unreadable goes to the processing log and is skipped, or, with
  // throw_on_invalid_timestamp (ksql.timestamp.throw.on.invalid), fails the query; a negative
  // event time is always skipped.
  std::optional<EventTimeColumn> timestamp_column;
  bool throw_on_invalid_timestamp = false;
  // Value columns read from the record's headers rather than its value bytes (the value format
  // leaves their slots NULL): HEADERS (`key` empty, all headers as ARRAY<STRUCT<KEY, VALUE>>) and
  // HEADER('key') (the value of the last header with that key, BYTES). Empty for most sources.
  struct HeaderColumn {
    size_t index = 0;  // in the value row
    bool all = false;  // HEADERS
    std::string key;   // HEADER('key')
  };
  std::vector<HeaderColumn> header_columns;
  // A stream record with a null value is dropped unless set (PARTITION BY forwards it, re-keyed,
  // as ksqlDB does).
  bool forward_null_values = false;
};

class SourceOperator final : public Operator {
 public:
  explicit SourceOperator(SourceSpec spec) : spec_(std::move(spec)) {}
  const std::string& topic() const { return spec_.topic; }
  const SourceSpec& spec() const { return spec_; }
  void set_throw_on_invalid_timestamp(bool on) { spec_.throw_on_invalid_timestamp = on; }

  // Feeds one record read from the topic.
  Status Ingest(const RawRecord& raw);
  Status Process(Record record, int port) override { return Forward(std::move(record)); }
  std::string Describe() const override;

 private:
  void LogError(const RawRecord& raw, const std::string& message);
  void FillHeaderColumns(const RawRecord& raw, Row& value) const;
  SourceSpec spec_;
};

}  // namespace eddy
