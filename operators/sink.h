#pragma once
// SinkOperator: the end of a persistent query. Serializes each record's key and value with the
// sink's formats and writes it to the sink topic; a tombstone becomes a null value. A table's
// sink also keeps the table's current rows (store "materialized", see MaterializedKey) so pull
// queries read the table's state instead of replaying its topic.
#include <memory>

#include "engine/io/format.h"
#include "operators/event_time.h"
#include "operators/operator.h"

namespace eddy {

struct SinkSpec {
  std::string name;
  std::string topic;
  std::unique_ptr<Format> key_format;
  std::unique_ptr<Format> value_format;
  bool materialize = false;  // keep the latest row per key (and window) in a state store
  // WITH (TIMESTAMP=...) of a C*AS: each record is written with the event time in this column
  // of its output row; a row whose column is null, unreadable or negative goes to the
  // processing log instead of the topic. A tombstone gets the stream time.
  std::optional<EventTimeColumn> timestamp_column;
};

// The store of a table's current rows: key bytes, then for a windowed key a 0x01 byte and the
// window's start and end (8 bytes each, big-endian, sign bit flipped so they sort), else 0x00.
// The stored value (EncodeState) is [ROWTIME, WINDOWSTART, WINDOWEND, value bytes].
inline constexpr const char* kMaterializedStore = "materialized";
std::string MaterializedKey(const RawRecord& raw);
// The record a stored row stands for (partition and offset 0).
Result<RawRecord> MaterializedRecord(std::string_view key, std::string_view value);

class SinkOperator final : public Operator {
 public:
  explicit SinkOperator(SinkSpec spec) : spec_(std::move(spec)) {}
  Status Open(OperatorContext& ctx) override;
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Sink " + spec_.name + " (topic " + spec_.topic + ")"; }
  const std::string& topic() const { return spec_.topic; }

 private:
  SinkSpec spec_;
  KvStore* materialized_ = nullptr;
  std::string scratch_;
  int64_t stream_time_ = 0;  // the largest timestamp arrived so far (for tombstones)
};

}  // namespace eddy
