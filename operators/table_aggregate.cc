#include "operators/table_aggregate.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/common/value_codec.h"
#include "engine/state/state_db.h"
#include "operators/processing_log.h"

namespace eddy {

Status TableAggregateOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  ASSIGN_OR_RETURN(store_, ctx.Store(spec_.store_name));
  ASSIGN_OR_RETURN(rows_, ctx.Store(spec_.store_name + "-rows"));
  return Status::Ok();
}

bool TableAggregateOperator::GroupKey(const Record& record, Row* key) {
  EvalContext ec{&record, {}};
  key->clear();
  for (const auto& e : spec_.group_by) {
    key->push_back(e->Eval(ec));
    if (key->back().is_null()) return false;
  }
  return true;
}

Result<Row> TableAggregateOperator::Apply(const Row& key, const Record& record, Fold fold) {
  key_buf_.clear();
  EncodeRow(key, key_buf_);
  Row state;
  ASSIGN_OR_RETURN(bool found, store_->Get(key_buf_, &value_buf_));
  if (found) {
    ASSIGN_OR_RETURN(state, DecodeState(value_buf_, "table aggregate"));
    // As Kafka Streams' KTableAggregate: the result's timestamp is the later of the record's and
    // the group's previous result's.
    state.back() = Value::Bigint(std::max(record.timestamp, state.back().as_bigint()));
  } else {
    for (const auto& c : spec_.calls) state.push_back(c.aggregator->Init());
    state.push_back(Value::Bigint(record.timestamp));
  }
  EvalContext ec{&record, {}};
  for (size_t i = 0; i < spec_.calls.size(); ++i) {
    const auto& call = spec_.calls[i];
    args_.clear();
    for (const auto& a : call.args) args_.push_back(a->Eval(ec));
    state[i] = fold == Fold::kAdd ? call.aggregator->Accumulate(state[i], args_.data(), args_.size())
                                  : call.aggregator->Undo(state[i], args_.data(), args_.size());
  }
  if (fold == Fold::kAdd && !ec.error.empty() && ctx_->processing_log)
    ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});
  EncodeState(state, value_buf_);
  RETURN_IF_ERROR(store_->Put(key_buf_, value_buf_));
  return state;
}

Status TableAggregateOperator::Emit(const Row& key, const Row& state, const Record& in) {
  Record out;
  out.timestamp = state.back().as_bigint();
  out.partition = in.partition;
  out.offset = in.offset;
  Row row;
  row.reserve(key.size() + spec_.calls.size() + 1);
  for (const auto& k : key) row.push_back(k);
  for (size_t i = 0; i < spec_.calls.size(); ++i) row.push_back(spec_.calls[i].aggregator->Result(state[i]));
  row.push_back(Value::Bigint(out.timestamp));
  out.key = key;
  out.value = std::move(row);
  return Forward(std::move(out));
}

Status TableAggregateOperator::Process(Record record, int) {
  std::string row_key;
  EncodeRow(record.key, row_key);
  std::string old_buf;
  ASSIGN_OR_RETURN(bool had_old, rows_->Get(row_key, &old_buf));
  Record old;
  Row old_key, new_key;
  bool old_in = false;
  if (had_old) {
    ASSIGN_OR_RETURN(Row old_row, DecodeState(old_buf, "table aggregate row"));
    old.key = record.key;
    old.value = std::move(old_row);
    old.timestamp = record.timestamp;
    old.partition = record.partition;
    old.offset = record.offset;
    old_in = GroupKey(old, &old_key);
  }
  bool new_in = false;
  if (!record.is_tombstone()) {
    new_in = GroupKey(record, &new_key);
    if (!new_in && ctx_->processing_log)
      ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset,
                                 "Group-by column with NULL value; the record is skipped"});
  }
  if (old_in) {
    ASSIGN_OR_RETURN(Row state, Apply(old_key, old, Fold::kUndo));
    std::string a, b;
    EncodeRow(old_key, a);
    if (new_in) EncodeRow(new_key, b);
    if (!(new_in && a == b)) RETURN_IF_ERROR(Emit(old_key, state, record));
  }
  if (new_in) {
    ASSIGN_OR_RETURN(Row state, Apply(new_key, record, Fold::kAdd));
    RETURN_IF_ERROR(Emit(new_key, state, record));
  }
  if (new_in) {
    std::string buf;
    EncodeState(*record.value, buf);
    return rows_->Put(row_key, buf);
  }
  if (had_old) return rows_->Delete(row_key);
  return Status::Ok();
}

}  // namespace eddy
