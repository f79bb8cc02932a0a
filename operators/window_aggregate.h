#pragma once
// WindowAggregateOperator: GROUP BY over a stream with WINDOW TUMBLING | HOPPING | SESSION.
// Tumbling and hopping windows are epoch-aligned [start, end); a record folds into every window
// that holds its timestamp. Session windows are inclusive [first, last] and merge when a record
// falls within `gap` of them; each superseded session is retracted with a tombstone before the
// merged session is emitted. Stream time is the largest timestamp the operator has seen (kept in
// state); a window whose end + grace is at or before stream time is closed and its records are
// dropped. Output rows: [group key..., aggregate results..., ROWTIME, WINDOWSTART, WINDOWEND],
// with Record::window set. Single-threaded, inside its task.
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
};

class WindowAggregateOperator final : public Operator {
 public:
  WindowAggregateOperator(AggregateSpec spec, WindowOptions window)
      : spec_(std::move(spec)), window_(window) {}
  Status Open(OperatorContext& ctx) override;
  Status Process(Record record, int port) override;
  std::string Describe() const override;

 private:
  Status ProcessTimeWindows(const Row& key, const Record& record);
  Status ProcessSession(const Row& key, const Record& record);
  Status Emit(const Row& key, const Row* state, int64_t start, int64_t end, int64_t ts, const Record& in);
  Status AdvanceStreamTime(int64_t ts);
  Status Accumulate(Row& state, size_t offset, const Record& record);

  AggregateSpec spec_;
  WindowOptions window_;
  KvStore* store_ = nullptr;
  KvStore* time_store_ = nullptr;
  int64_t stream_time_ = INT64_MIN;
  bool stream_time_loaded_ = false;
  std::string key_buf_, value_buf_;
  std::vector<Value> args_;
};

}  // namespace eddy
