#pragma once
// The two ends of a repartition topic. On a partitioned runtime (Kafka, one task per input
// partition) records that a RekeyOperator gave a new key must meet the state of that key, which
// lives in the task of the key's partition: RepartitionSinkOperator writes them to an internal
// topic, partitioned by the new key as any sink is, and the task of each partition reads them
// back through a RepartitionSourceOperator that hands them on to what followed the re-key.
//
// The value bytes are eddy's own (value_codec.h): a byte saying whether there is a value (0: a
// tombstone), the key row's length (4 bytes, big-endian), the key row and the value row as
// EncodeRow writes them; the event time is the record's timestamp. The Kafka key, which decides
// the partition (murmur2), is the new key in `key_format` when one is given (a re-key before a
// join with a table: the table's key format, so the key meets the table's partition), else the
// encoded key row.
#include <string>
#include <vector>

#include "engine/function/expr.h"
#include "engine/io/format.h"
#include "operators/operator.h"

namespace eddy {

class RepartitionSinkOperator final : public Operator {
 public:
  // With `group_by` (the GROUP BY of the aggregation that follows), each record is keyed by its
  // group first, and one with a NULL in it is skipped with a processing-log entry.
  RepartitionSinkOperator(std::string topic, const std::vector<CompiledExprPtr>* group_by, const Format* key_format)
      : topic_(std::move(topic)), group_by_(group_by), key_format_(key_format) {}
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Repartition to " + topic_; }
  const std::string& topic() const { return topic_; }

 private:
  std::string topic_;
  const std::vector<CompiledExprPtr>* group_by_;
  const Format* key_format_;
  std::string key_buf_, value_buf_;
};

class RepartitionSourceOperator final : public Operator {
 public:
  explicit RepartitionSourceOperator(std::string topic) : topic_(std::move(topic)) {}
  const std::string& topic() const { return topic_; }
  // Feeds one record read from the repartition topic.
  Status Ingest(const RawRecord& raw);
  Status Process(Record record, int) override { return Forward(std::move(record)); }
  std::string Describe() const override { return "Read repartitioned " + topic_; }

 private:
  std::string topic_;
};

}  // namespace eddy
