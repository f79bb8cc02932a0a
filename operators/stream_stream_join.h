#pragma once
// StreamStreamJoinOperator: two streams joined on their (re-keyed) key within a time window,
// with Kafka Streams' semantics as ksqlDB uses them. Port 0 is the left stream, port 1 the
// right one; both arrive keyed by their join expression. A left record at time t joins the
// right records with the same key whose time lies in [t - before, t + after] (a right record
// sees the mirror window), and each match is emitted as [left row..., right row...] at the
// later of the two timestamps, in the order the matches were stored.
//
// Each side's records are kept in a window store for `before + after + grace` of that side's
// stream time; older ones are neither matched nor kept. A record of an outer side (LEFT: the
// left one, RIGHT: the right one, FULL: both) that matches nothing is emitted padded with NULLs:
//  - without GRACE PERIOD (ksqlDB's default, Kafka Streams' old join windows) at once;
//  - with GRACE PERIOD only once its window has closed, i.e. when stream time (the largest
//    timestamp of both sides) passes its time + after + grace, and only if nothing joined it
//    meanwhile. A record that arrives after its window could still be matched later (t + after
//    is already below stream time) is emitted at once. Padded results carry the record's time.
// A record with a null key matches nothing: an outer side emits it padded at once, an inner
// side drops it.
//
// State lives in one store: the two window stores, a time index of each for expiry, the
// records waiting to be emitted padded, and the stream times; all encoded with EncodeState.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "engine/state/kv_store.h"
#include "operators/operator.h"

namespace eddy {

struct StreamStreamJoinSpec {
  bool left_outer = false;   // LEFT and FULL
  bool right_outer = false;  // RIGHT and FULL
  int64_t before = 0;        // WITHIN (before, after), in ms
  int64_t after = 0;
  std::optional<int64_t> grace;  // GRACE PERIOD, when given
  size_t left_width = 0;         // columns of each side's row
  size_t right_width = 0;
  std::string store_name;
  std::string text;
};

class StreamStreamJoinOperator final : public Operator {
 public:
  explicit StreamStreamJoinOperator(StreamStreamJoinSpec spec);
  Status Open(OperatorContext& ctx) override;
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "StreamStreamJoin " + spec_.text; }

 private:
  Status EmitClosed(int port, const Record& trigger);
  Status Store(int port, const Record& record, const std::string& key);
  Status Expire(int port);
  Status SaveMeta();
  Record Joined(const Record& base, const Row* left, const Row* right, int64_t ts) const;

  StreamStreamJoinSpec spec_;
  int64_t grace_ = 0;       // the grace the window stores keep records for
  int64_t retention_ = 0;   // before + after + grace
  bool deferred_ = false;   // GRACE PERIOD given: padded results wait for the window to close
  KvStore* store_ = nullptr;
  int64_t stream_time_ = -1;
  int64_t observed_[2] = {-1, -1};  // each side's window store's stream time
  uint64_t seq_ = 0;
  int64_t min_time_ = std::numeric_limits<int64_t>::max();  // earliest waiting record
  std::string key_buf_, value_buf_;
};

}  // namespace eddy
