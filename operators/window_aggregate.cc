#include "operators/window_aggregate.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/common/value_codec.h"
#include "engine/state/state_db.h"
#include "operators/processing_log.h"

namespace eddy {

namespace {

constexpr std::string_view kStreamTimeKey = "stream-time";

}  // namespace

std::string WindowAggregateOperator::Describe() const {
  switch (window_.kind) {
    case WindowKind::kTumbling:
      return fmt::format("WindowAggregate TUMBLING (SIZE {} ms, GRACE {} ms) {}", window_.size, window_.grace, spec_.text);
    case WindowKind::kHopping:
      return fmt::format("WindowAggregate HOPPING (SIZE {} ms, ADVANCE BY {} ms, GRACE {} ms) {}", window_.size,
                         window_.advance, window_.grace, spec_.text);
    case WindowKind::kSession:
      return fmt::format("WindowAggregate SESSION ({} ms, GRACE {} ms) {}", window_.size, window_.grace, spec_.text);
  }
  return "WindowAggregate";
}

Status WindowAggregateOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  ASSIGN_OR_RETURN(store_, ctx.Store(spec_.store_name));
  ASSIGN_OR_RETURN(time_store_, ctx.Store(spec_.store_name + "-time"));
  if (window_.emit_final) {
    ASSIGN_OR_RETURN(final_index_, ctx.Store(spec_.store_name + "-final"));
  }
  return Status::Ok();
}

Status WindowAggregateOperator::AdvanceStreamTime(int64_t ts) {
  if (!stream_time_loaded_) {
    std::string buf;
    ASSIGN_OR_RETURN(bool found, time_store_->Get(kStreamTimeKey, &buf));
    if (found) {
      ASSIGN_OR_RETURN(Row row, DecodeState(buf, "stream time"));
      if (!row.empty()) stream_time_ = row[0].as_bigint();
      if (row.size() > 1) max_window_start_ = row[1].as_bigint();
    }
    stream_time_loaded_ = true;
  }
  if (ts <= stream_time_) return Status::Ok();
  stream_time_ = ts;
  return SaveTimes();
}

Status WindowAggregateOperator::SaveTimes() {
  std::string buf;
  EncodeState(Row{Value::Bigint(stream_time_), Value::Bigint(max_window_start_)}, buf);
  return time_store_->Put(kStreamTimeKey, buf);
}

namespace {

// An order-preserving encoding of a signed time: big-endian with the sign bit flipped.
void AppendTime(int64_t t, std::string& out) {
  uint64_t u = static_cast<uint64_t>(t) ^ (uint64_t{1} << 63);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((u >> (i * 8)) & 0xff));
}

int64_t ReadTime(std::string_view in) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
  return static_cast<int64_t>(u ^ (uint64_t{1} << 63));
}

}  // namespace

Status WindowAggregateOperator::IndexWindow(int64_t time, const Row& key, bool add) {
  std::string k;
  AppendTime(time, k);
  EncodeRow(key, k);
  return add ? final_index_->Put(k, {}) : final_index_->Delete(k);
}

Status WindowAggregateOperator::EmitClosedWindows(const Record& in) {
  const bool session = window_.kind == WindowKind::kSession;
  // Time windows close when end + grace <= stream time: start <= upper. Sessions when their
  // end is before stream time - grace.
  const int64_t close = stream_time_ - window_.grace;
  const int64_t upper = session ? close - 1 : close - window_.size;
  // Time windows that started before this have left the store's retention unemitted.
  const int64_t retained_from =
      session || max_window_start_ == INT64_MIN
          ? INT64_MIN
          : max_window_start_ - std::max(window_.retention, window_.size + window_.grace);
  std::vector<std::pair<int64_t, std::string>> due;  // (time, encoded group key)
  RETURN_IF_ERROR(final_index_->Scan([&](std::string_view k, std::string_view) {
    if (k.size() < 8) return true;
    int64_t t = ReadTime(k);
    if (t > upper) return false;
    due.emplace_back(t, std::string(k.substr(8)));
    return true;
  }));
  for (const auto& [t, encoded_key] : due) {
    std::string index_key;
    AppendTime(t, index_key);
    index_key += encoded_key;
    RETURN_IF_ERROR(final_index_->Delete(index_key));
    ASSIGN_OR_RETURN(Row key, DecodeRow(encoded_key));
    if (!session) {
      Row skey = key;
      skey.push_back(Value::Bigint(t));
      key_buf_.clear();
      EncodeRow(skey, key_buf_);
      ASSIGN_OR_RETURN(bool found, store_->Get(key_buf_, &value_buf_));
      if (!found) continue;
      ASSIGN_OR_RETURN(Row state, DecodeState(value_buf_, "window aggregate"));
      RETURN_IF_ERROR(store_->Delete(key_buf_));
      if (t < retained_from) continue;
      RETURN_IF_ERROR(Emit(key, &state, t, t + window_.size, state.back().as_bigint(), in));
      continue;
    }
    // A session: find the one ending at t in the key's row, emit it and take it out.
    ASSIGN_OR_RETURN(bool found, store_->Get(encoded_key, &value_buf_));
    if (!found) continue;
    ASSIGN_OR_RETURN(Row sessions, DecodeState(value_buf_, "session aggregate"));
    const size_t stride = spec_.calls.size() + 2;
    for (size_t s = 0; s + stride <= sessions.size(); s += stride) {
      if (sessions[s + 1].as_bigint() != t) continue;
      Row state(sessions.begin() + static_cast<std::ptrdiff_t>(s + 2),
                sessions.begin() + static_cast<std::ptrdiff_t>(s + stride));
      RETURN_IF_ERROR(Emit(key, &state, sessions[s].as_bigint(), t, t, in));
      sessions.erase(sessions.begin() + static_cast<std::ptrdiff_t>(s),
                     sessions.begin() + static_cast<std::ptrdiff_t>(s + stride));
      break;
    }
    if (sessions.empty()) {
      RETURN_IF_ERROR(store_->Delete(encoded_key));
    } else {
      EncodeState(sessions, value_buf_);
      RETURN_IF_ERROR(store_->Put(encoded_key, value_buf_));
    }
  }
  return Status::Ok();
}

Status WindowAggregateOperator::Process(Record record, int) {
  if (record.is_tombstone()) return Status::Ok();
  // A negative timestamp (Kafka Streams drops such records) or one so late that its window's end
  // plus grace would pass the largest timestamp cannot be windowed: dropped, with an entry.
  int64_t last = record.timestamp;
  if (record.timestamp < 0 || __builtin_add_overflow(last, window_.size, &last) ||
      __builtin_add_overflow(last, window_.grace, &last) || __builtin_add_overflow(last, window_.advance, &last)) {
    if (ctx_->processing_log)
      ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset,
                                 fmt::format("Record timestamp {} is outside the range a window can hold; it is dropped",
                                             record.timestamp)});
    return Status::Ok();
  }
  EvalContext ec{&record, {}};
  Row key;
  if (!EvalGroupKey(spec_.group_by, record, ec, ctx_, key)) return Status::Ok();
  RETURN_IF_ERROR(AdvanceStreamTime(record.timestamp));
  if (window_.kind == WindowKind::kSession) RETURN_IF_ERROR(ProcessSession(key, record));
  else RETURN_IF_ERROR(ProcessTimeWindows(key, record));
  return window_.emit_final ? EmitClosedWindows(record) : Status::Ok();
}

Status WindowAggregateOperator::Accumulate(Row& state, size_t offset, const Record& record) {
  EvalContext ec{&record, {}};
  for (size_t i = 0; i < spec_.calls.size(); ++i) {
    const auto& call = spec_.calls[i];
    args_.clear();
    for (const auto& a : call.args) args_.push_back(a->Eval(ec));
    state[offset + i] = call.aggregator->Accumulate(state[offset + i], args_.data(), args_.size());
  }
  if (!ec.error.empty() && ctx_->processing_log)
    ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
  return Status::Ok();
}

Status WindowAggregateOperator::Emit(const Row& key, const Row* state, int64_t start, int64_t end, int64_t ts,
                                     const Record& in) {
  Record out;
  out.timestamp = ts;
  out.partition = in.partition;
  out.offset = in.offset;
  out.window = Window{start, end};
  out.key = key;
  if (state) {
    Row row;
    row.reserve(key.size() + spec_.calls.size() + 3);
    for (const auto& k : key) row.push_back(k);
    for (size_t i = 0; i < spec_.calls.size(); ++i) row.push_back(spec_.calls[i].aggregator->Result((*state)[i]));
    row.push_back(Value::Bigint(ts));
    row.push_back(Value::Bigint(start));
    row.push_back(Value::Bigint(end));
    out.value = std::move(row);
  }
  return Forward(std::move(out));
}

Status WindowAggregateOperator::ProcessTimeWindows(const Row& key, const Record& record) {
  const int64_t ts = record.timestamp;
  const int64_t advance = window_.advance > 0 ? window_.advance : window_.size;
  // Kafka Streams' TimeWindows.windowsFor: every aligned start in (ts - size, ts].
  int64_t start = std::max<int64_t>(0, ts - window_.size + advance) / advance * advance;
  bool any = false;
  for (; start <= ts; start += advance) {
    const int64_t end = start + window_.size;
    if (end + window_.grace <= stream_time_) continue;  // the window has closed
    any = true;
    Row skey = key;
    skey.push_back(Value::Bigint(start));
    key_buf_.clear();
    EncodeRow(skey, key_buf_);
    Row state;
    ASSIGN_OR_RETURN(bool found, store_->Get(key_buf_, &value_buf_));
    if (found) {
      ASSIGN_OR_RETURN(state, DecodeState(value_buf_, "window aggregate"));
    } else {
      for (const auto& c : spec_.calls) state.push_back(c.aggregator->Init());
      state.push_back(Value::Bigint(ts));
    }
    RETURN_IF_ERROR(Accumulate(state, 0, record));
    int64_t out_ts = std::max(state.back().as_bigint(), ts);
    state.back() = Value::Bigint(out_ts);
    EncodeState(state, value_buf_);
    RETURN_IF_ERROR(store_->Put(key_buf_, value_buf_));
    if (window_.emit_final) {
      if (!found) RETURN_IF_ERROR(IndexWindow(start, key, true));
      if (start > max_window_start_) {
        max_window_start_ = start;
        RETURN_IF_ERROR(SaveTimes());
      }
      continue;
    }
    RETURN_IF_ERROR(Emit(key, &state, start, end, out_ts, record));
  }
  if (!any && ctx_->processing_log)
    ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset,
                               "Record is later than its window's end plus grace period; it is dropped"});
  return Status::Ok();
}

Status WindowAggregateOperator::ProcessSession(const Row& key, const Record& record) {
  const int64_t ts = record.timestamp;
  const int64_t gap = window_.size;
  const size_t n = spec_.calls.size();
  const size_t stride = n + 2;  // start, end, states...
  const int64_t close = stream_time_ - window_.grace - gap;
  key_buf_.clear();
  EncodeRow(key, key_buf_);
  Row sessions;
  ASSIGN_OR_RETURN(bool found, store_->Get(key_buf_, &value_buf_));
  if (found) {
    ASSIGN_OR_RETURN(sessions, DecodeState(value_buf_, "session aggregate"));
  }
  // Sessions ending before `close` have expired: they are neither merged nor kept.
  Row kept, merged_states;
  std::vector<std::pair<int64_t, int64_t>> merged;
  int64_t start = ts, end = ts;
  Row state;
  for (const auto& c : spec_.calls) state.push_back(c.aggregator->Init());
  // Visit sessions by end, then start, as Kafka Streams' session store iterates them.
  std::vector<size_t> order;
  for (size_t s = 0; s + stride <= sessions.size(); s += stride) order.push_back(s);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::pair(sessions[a + 1].as_bigint(), sessions[a].as_bigint()) <
           std::pair(sessions[b + 1].as_bigint(), sessions[b].as_bigint());
  });
  for (size_t s : order) {
    int64_t ss = sessions[s].as_bigint(), se = sessions[s + 1].as_bigint();
    if (se < close) {
      // Expired. Under EMIT FINAL it stays until it has been emitted.
      if (window_.emit_final)
        for (size_t i = 0; i < stride; ++i) kept.push_back(sessions[s + i]);
      continue;
    }
    if (se >= ts - gap && ss <= ts + gap) {
      merged.emplace_back(ss, se);
      start = std::min(start, ss);
      end = std::max(end, se);
      for (size_t i = 0; i < n; ++i) state[i] = spec_.calls[i].aggregator->Merge(state[i], sessions[s + 2 + i]);
      continue;
    }
    for (size_t i = 0; i < stride; ++i) kept.push_back(sessions[s + i]);
  }
  if (end < close) {
    if (ctx_->processing_log)
      ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset,
                                 "Record is later than its session's end plus gap and grace period; it is dropped"});
    return Status::Ok();
  }
  if ((start != ts || end != ts) && !window_.emit_final) {
    for (const auto& [ss, se] : merged) RETURN_IF_ERROR(Emit(key, nullptr, ss, se, se, record));
  }
  RETURN_IF_ERROR(Accumulate(state, 0, record));
  kept.push_back(Value::Bigint(start));
  kept.push_back(Value::Bigint(end));
  for (size_t i = 0; i < n; ++i) kept.push_back(state[i]);
  EncodeState(kept, value_buf_);
  RETURN_IF_ERROR(store_->Put(key_buf_, value_buf_));
  if (window_.emit_final) {
    for (const auto& m : merged) RETURN_IF_ERROR(IndexWindow(m.second, key, false));
    return IndexWindow(end, key, true);
  }
  return Emit(key, &state, start, end, end, record);
}

}  // namespace eddy
