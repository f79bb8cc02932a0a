#include "operators/stream_stream_join.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "engine/common/value_codec.h"
#include "operators/join_row.h"
#include "operators/processing_log.h"

namespace eddy {
namespace {

// Kafka Streams' default grace for join windows built without one (JoinWindows.of): the
// window stores keep records for a day.
constexpr int64_t kDefaultRetentionMs = 24 * 60 * 60 * 1000;

constexpr char kWindowTag = 'W';  // W side len key ts seq -> row
constexpr char kTimeTag = 'T';    // T side ts seq -> len key (expiry index)
constexpr char kWaitTag = 'O';    // O ts side len key seq -> row (outer records waiting)
constexpr char kMetaTag = 'M';

void PutBe64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}
void PutBe32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}
uint64_t GetBe64(std::string_view in, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}
uint32_t GetBe32(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}
// Timestamps sort as signed numbers.
void PutTime(std::string& out, int64_t ts) { PutBe64(out, static_cast<uint64_t>(ts) ^ (uint64_t{1} << 63)); }
int64_t GetTime(std::string_view in, size_t at) {
  return static_cast<int64_t>(GetBe64(in, at) ^ (uint64_t{1} << 63));
}

bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

StreamStreamJoinOperator::StreamStreamJoinOperator(StreamStreamJoinSpec spec) : spec_(std::move(spec)) {
  deferred_ = spec_.grace.has_value();
  grace_ = deferred_ ? *spec_.grace : std::max<int64_t>(kDefaultRetentionMs - 2 * spec_.before, 0);
  retention_ = spec_.before + spec_.after + grace_;
}

Status StreamStreamJoinOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  ASSIGN_OR_RETURN(store_, ctx.Store(spec_.store_name));
  std::string meta;
  ASSIGN_OR_RETURN(bool found, store_->Get(std::string(1, kMetaTag), &meta));
  if (found) {
    ASSIGN_OR_RETURN(Row m, DecodeState(meta, "stream-stream join"));
    if (m.size() == 4) {
      stream_time_ = m[0].as_bigint();
      observed_[0] = m[1].as_bigint();
      observed_[1] = m[2].as_bigint();
      seq_ = static_cast<uint64_t>(m[3].as_bigint());
    }
  }
  // The earliest waiting record, so that closed windows are found again after a restart.
  return store_->Scan(
      [&](std::string_view k, std::string_view) {
        if (HasPrefix(k, std::string_view(&kWaitTag, 1))) min_time_ = GetTime(k, 1);
        return false;
      },
      std::string(1, kWaitTag));
}

Status StreamStreamJoinOperator::SaveMeta() {
  Row m{Value::Bigint(stream_time_), Value::Bigint(observed_[0]), Value::Bigint(observed_[1]),
        Value::Bigint(static_cast<int64_t>(seq_))};
  EncodeState(m, value_buf_);
  return store_->Put(std::string(1, kMetaTag), value_buf_);
}

Record StreamStreamJoinOperator::Joined(const Record& base, const Row* left, const Row* right, int64_t ts) const {
  Record out;
  out.key = base.key;
  out.timestamp = ts;
  out.partition = base.partition;
  out.offset = base.offset;
  out.window = base.window;  // windowed sources join only within one window
  out.value = JoinRows(left, right, spec_.left_width, spec_.right_width);
  return out;
}

Status StreamStreamJoinOperator::Process(Record record, int port) {
  if (record.is_tombstone()) return Status::Ok();  // a stream's null value joins nothing
  // A negative timestamp (Kafka Streams drops such records) or one so late that its window plus
  // grace would pass the largest timestamp cannot be joined: dropped, with an entry.
  int64_t last = record.timestamp;
  if (record.timestamp < 0 || __builtin_add_overflow(last, retention_, &last) ||
      __builtin_add_overflow(last, std::max(spec_.before, spec_.after), &last)) {
    if (ctx_->processing_log)
      ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset,
                                 fmt::format("Record timestamp {} is outside the range a join window can hold; it is "
                                             "dropped", record.timestamp)});
    return Status::Ok();
  }
  const bool left = port == 0;
  const bool outer = left ? spec_.left_outer : spec_.right_outer;
  // A right record sees the mirror of the left record's window.
  const int64_t this_before = left ? spec_.before : spec_.after;
  const int64_t this_after = left ? spec_.after : spec_.before;
  const int64_t ts = record.timestamp;
  const int64_t time_from = std::max<int64_t>(0, ts - this_before);
  const int64_t time_to = std::max<int64_t>(0, ts + this_after);
  stream_time_ = std::max(stream_time_, ts);

  if (record.key.empty() || record.key[0].is_null()) {
    RETURN_IF_ERROR(SaveMeta());
    if (!outer) return Status::Ok();
    return Forward(left ? Joined(record, &*record.value, nullptr, ts) : Joined(record, nullptr, &*record.value, ts));
  }
  if (deferred_ && outer && ts == stream_time_) RETURN_IF_ERROR(EmitClosed(port, record));

  key_buf_.clear();
  EncodeRow(record.key, key_buf_);
  const int other = 1 - port;
  // The other side's matches, in stored order.
  std::string prefix;
  prefix.push_back(kWindowTag);
  prefix.push_back(static_cast<char>(other));
  PutBe32(prefix, static_cast<uint32_t>(key_buf_.size()));
  prefix += key_buf_;
  const int64_t live_from = observed_[other] - retention_ + 1;
  std::string start = prefix;
  PutTime(start, std::max(time_from, live_from));
  std::vector<std::pair<int64_t, std::string>> matches;
  RETURN_IF_ERROR(store_->Scan(
      [&](std::string_view k, std::string_view v) {
        if (!HasPrefix(k, prefix) || k.size() < prefix.size() + 16) return false;
        int64_t other_ts = GetTime(k, prefix.size());
        if (other_ts > time_to) return false;
        matches.emplace_back(other_ts, std::string(v));
        return true;
      },
      start));
  bool has_wait_store = deferred_ && (spec_.left_outer || spec_.right_outer);
  for (auto& [other_ts, bytes] : matches) {
    ASSIGN_OR_RETURN(Row other_row, DecodeState(bytes, "stream-stream join"));
    if (has_wait_store) {
      // The other record is joined now: it no longer waits to be emitted padded.
      std::string wait;
      wait.push_back(kWaitTag);
      PutTime(wait, other_ts);
      wait.push_back(other == 0 ? 1 : 0);
      PutBe32(wait, static_cast<uint32_t>(key_buf_.size()));
      wait += key_buf_;
      std::vector<std::string> gone;
      RETURN_IF_ERROR(store_->Scan(
          [&](std::string_view k, std::string_view) {
            if (!HasPrefix(k, wait)) return false;
            gone.emplace_back(k);
            return true;
          },
          wait));
      for (const auto& g : gone) RETURN_IF_ERROR(store_->Delete(g));
    }
    int64_t out_ts = std::max(ts, other_ts);
    Record out = left ? Joined(record, &*record.value, &other_row, out_ts)
                      : Joined(record, &other_row, &*record.value, out_ts);
    RETURN_IF_ERROR(Forward(std::move(out)));
  }
  if (matches.empty() && outer) {
    if (!deferred_ || time_to < stream_time_) {
      RETURN_IF_ERROR(Forward(left ? Joined(record, &*record.value, nullptr, ts)
                                   : Joined(record, nullptr, &*record.value, ts)));
    } else {
      min_time_ = std::min(min_time_, ts);
      std::string wait;
      wait.push_back(kWaitTag);
      PutTime(wait, ts);
      wait.push_back(left ? 1 : 0);
      PutBe32(wait, static_cast<uint32_t>(key_buf_.size()));
      wait += key_buf_;
      PutBe64(wait, seq_++);
      EncodeState(*record.value, value_buf_);
      RETURN_IF_ERROR(store_->Put(wait, value_buf_));
    }
  }
  RETURN_IF_ERROR(Store(port, record, key_buf_));
  return SaveMeta();
}

// Emits, padded, the waiting records whose window has closed (Kafka Streams' check, made by
// the side that triggers it, with that side's window).
Status StreamStreamJoinOperator::EmitClosed(int port, const Record& trigger) {
  const bool left = port == 0;
  const int64_t lookback = left ? spec_.before : spec_.after;
  const int64_t this_after = left ? spec_.after : spec_.before;
  if (min_time_ >= stream_time_ - lookback - grace_) return Status::Ok();
  min_time_ = std::numeric_limits<int64_t>::max();
  struct Closed {
    std::string key;
    int64_t ts;
    bool left;
    std::string row;
  };
  std::vector<Closed> closed;
  RETURN_IF_ERROR(store_->Scan(
      [&](std::string_view k, std::string_view v) {
        if (!HasPrefix(k, std::string_view(&kWaitTag, 1))) return false;
        int64_t ts = GetTime(k, 1);
        min_time_ = ts;
        if (ts + this_after + grace_ >= stream_time_) return false;
        closed.push_back({std::string(k), ts, k[9] == 1, std::string(v)});
        return true;
      },
      std::string(1, kWaitTag)));
  for (const auto& c : closed) {
    RETURN_IF_ERROR(store_->Delete(c.key));
    uint32_t len = GetBe32(c.key, 10);
    ASSIGN_OR_RETURN(Row key, DecodeRow(std::string_view(c.key).substr(14, len)));
    ASSIGN_OR_RETURN(Row row, DecodeState(c.row, "stream-stream join"));
    Record base;
    base.key = std::move(key);
    base.partition = trigger.partition;
    base.offset = trigger.offset;
    RETURN_IF_ERROR(Forward(c.left ? Joined(base, &row, nullptr, c.ts) : Joined(base, nullptr, &row, c.ts)));
  }
  return Status::Ok();
}

Status StreamStreamJoinOperator::Store(int port, const Record& record, const std::string& key) {
  const bool advanced = record.timestamp > observed_[port];
  observed_[port] = std::max(observed_[port], record.timestamp);
  if (record.timestamp <= observed_[port] - retention_) return Status::Ok();  // expired already
  uint64_t seq = seq_++;
  std::string k;
  k.push_back(kWindowTag);
  k.push_back(static_cast<char>(port));
  PutBe32(k, static_cast<uint32_t>(key.size()));
  k += key;
  PutTime(k, record.timestamp);
  PutBe64(k, seq);
  EncodeState(*record.value, value_buf_);
  RETURN_IF_ERROR(store_->Put(k, value_buf_));
  std::string t;
  t.push_back(kTimeTag);
  t.push_back(static_cast<char>(port));
  PutTime(t, record.timestamp);
  PutBe64(t, seq);
  std::string v;
  PutBe32(v, static_cast<uint32_t>(key.size()));
  v += key;
  RETURN_IF_ERROR(store_->Put(t, v));
  return advanced ? Expire(port) : Status::Ok();  // only a later time can expire records
}

// Drops the records of side `port` that its stream time has moved past the retention of.
Status StreamStreamJoinOperator::Expire(int port) {
  std::string prefix;
  prefix.push_back(kTimeTag);
  prefix.push_back(static_cast<char>(port));
  const int64_t limit = observed_[port] - retention_;
  std::vector<std::pair<std::string, std::string>> gone;  // index key, window key
  RETURN_IF_ERROR(store_->Scan(
      [&](std::string_view k, std::string_view v) {
        if (!HasPrefix(k, prefix) || k.size() < prefix.size() + 16) return false;
        int64_t ts = GetTime(k, prefix.size());
        if (ts > limit) return false;
        std::string w;
        w.push_back(kWindowTag);
        w.push_back(static_cast<char>(port));
        w.append(v.data(), v.size());
        w.append(k.data() + prefix.size(), 16);
        gone.emplace_back(std::string(k), std::move(w));
        return true;
      },
      prefix));
  for (const auto& [index, window] : gone) {
    RETURN_IF_ERROR(store_->Delete(index));
    RETURN_IF_ERROR(store_->Delete(window));
  }
  return Status::Ok();
}

}  // namespace eddy
