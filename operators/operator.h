#pragma once
// Operator: one step of a running query. Operators are push-based: a task hands each record to
// the first operator, which hands its results to the next with Forward(). Operators run
// single-threaded inside their task: no locks. Every hook but Process has a no-op default.
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/record.h"
#include "engine/common/status.h"

namespace eddy {

class StateDb;
class ProcessingLog;

// Where a sink writes. The test driver, the embedded log and Kafka each provide one.
class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  virtual Status Write(const std::string& topic, RawRecord record) = 0;
};

class KvStore;

// What a task gives its operators.
struct OperatorContext {
  StateDb* state = nullptr;
  ProcessingLog* processing_log = nullptr;
  RecordWriter* writer = nullptr;
  std::string query_id;
  // Appended to every store name: on a partitioned runtime each task (one input partition) of
  // a query has stores of its own, "<query id>.<store>#<partition>".
  std::string store_suffix;
  // The operator's store `name`, private to this query (and task).
  Result<KvStore*> Store(const std::string& name);
  // Every store name Store() was asked for, in order (EXPLAIN shows each operator's state).
  std::vector<std::string> opened_stores;
  // The headers of the input record being processed, set by the source that read it: every
  // record written while it is processed carries them, as Kafka Streams forwards a record's
  // headers to all it causes (a join's or aggregate's output has the triggering record's).
  HeadersPtr headers;
};

class Operator {
 public:
  virtual ~Operator() = default;

  // Called once before the first record: take state stores from ctx.state.
  virtual Status Open(OperatorContext& ctx) {
    ctx_ = &ctx;
    return Status::Ok();
  }
  // Handles one record arriving on input `port` (joins have two).
  virtual Status Process(Record record, int port) = 0;
  // Stream time advanced to `stream_time`: close windows, expire state.
  virtual Status Punctuate(int64_t stream_time) { return Status::Ok(); }
  // Make everything processed so far durable (state, buffered output).
  virtual Status Checkpoint() { return Status::Ok(); }
  virtual Status Close() { return Status::Ok(); }

  // A short description for EXPLAIN: "Filter (V.LAT > 0)".
  virtual std::string Describe() const = 0;

  void set_downstream(Operator* next, int port = 0) {
    next_ = next;
    next_port_ = port;
  }
  Operator* downstream() const { return next_; }
  int downstream_port() const { return next_port_; }
  // Records this operator has handed downstream since it was built (EXPLAIN shows them).
  uint64_t records_out() const { return records_out_; }
  // The largest timestamp among those records: how far this operator's stream time has come.
  int64_t max_timestamp_out() const { return max_timestamp_out_; }

 protected:
  // For operators that end a pipeline (a sink writes instead of forwarding).
  void CountOut(int64_t timestamp) {
    ++records_out_;
    if (timestamp > max_timestamp_out_) max_timestamp_out_ = timestamp;
  }
  Status Forward(Record record) {
    CountOut(record.timestamp);
    return next_ ? next_->Process(std::move(record), next_port_) : Status::Ok();
  }
  OperatorContext* ctx_ = nullptr;

 private:
  Operator* next_ = nullptr;
  int next_port_ = 0;
  uint64_t records_out_ = 0;
  int64_t max_timestamp_out_ = INT64_MIN;
};

using OperatorPtr = std::unique_ptr<Operator>;

}  // namespace eddy
