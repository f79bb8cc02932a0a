#pragma once
// WindowAggregateOperator: GROUP BY over a stream with WINDOW TUMBLING | HOPPING | SESSION.
// Tumbling and hopping windows are epoch-aligned [start, end); a record folds into every window
// that holds its timestamp. Session windows are inclusive [first, last] and merge when a record
// falls within `gap` of them; each superseded session is retracted with a tombstone before the
// merged session is emitted. Stream time is the largest timestamp the operator has seen (kept in
// state); a window whose end + grace is at or before stream time is closed and its records are
// dropped. Output rows: [group key..., aggregate results..., ROWTIME, WINDOWSTART, WINDOWEND],
// with Record::window set.
//
// With EMIT FINAL (`emit_final`) nothing is emitted while a window is open. After each record,
// every window that has closed (end + grace at or before stream time; a session when its end
// is before stream time - grace) is emitted once, with its final result, and its state is
// deleted. As in Kafka Streams, a time window that has also fallen out of the store's
// retention (RETENTION, at least size + grace, measured from the largest window start seen) by then is dropped
// without being emitted. Closed windows are found through an index store ordered by window
// start (sessions: end) so emitting does not scan every key. Single-threaded, inside its task.
#include <string>
#include <vector>

#include "operators/aggregate.h"

namespace eddy {

enum class WindowKind : uint8_t { kTumbling, kHopping, kSession };

struct WindowOptions {
  WindowKind kind = WindowKind::kTumbling;
  int64_t size = 0;     // tumbling/hopping size; the session gap
  int64_t advance = 0;  // hopping advance; equals size for tumbling
  int64_t grace = 24 * 60 * 60 * 1000;  // default: 24 hours, as ksqlDB
  bool emit_final = false;              // EMIT FINAL: one result per window, once it closes
  int64_t retention = 0;                // RETENTION; the store keeps at least size + grace
};

class WindowAggregateOperator final : public Operator {
 public:
  WindowAggregateOperator(AggregateSpec spec, WindowOptions window)
      : spec_(std::move(spec)), window_(window) {}
  Status Open(OperatorContext& ctx) override;
  Status Process(Record record, int port) override;
  std::string Describe() const override;

  const std::vector<CompiledExprPtr>& group_by() const { return spec_.group_by; }

 private:
  Status ProcessTimeWindows(const Row& key, const Record& record);
  Status ProcessSession(const Row& key, const Record& record);
  Status Emit(const Row& key, const Row* state, int64_t start, int64_t end, int64_t ts, const Record& in);
  Status AdvanceStreamTime(int64_t ts);
  Status Accumulate(Row& state, size_t offset, const Record& record);
  // EMIT FINAL: index entries (window start or session end, then the group key).
  Status IndexWindow(int64_t time, const Row& key, bool add);
  Status EmitClosedWindows(const Record& in);
  Status SaveTimes();

  AggregateSpec spec_;
  WindowOptions window_;
  KvStore* store_ = nullptr;
  KvStore* time_store_ = nullptr;
  KvStore* final_index_ = nullptr;
  int64_t stream_time_ = INT64_MIN;
  int64_t max_window_start_ = INT64_MIN;  // EMIT FINAL: the retention reference of time windows
  bool stream_time_loaded_ = false;
  std::string key_buf_, value_buf_;
  std::vector<Value> args_;
};

}  // namespace eddy
