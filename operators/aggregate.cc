#include "operators/aggregate.h"

#include <fmt/format.h>

#include "engine/common/value_codec.h"
#include "engine/state/state_db.h"
#include "operators/processing_log.h"

namespace eddy {

Status AggregateOperator::Open(OperatorContext& ctx) {
  RETURN_IF_ERROR(Operator::Open(ctx));
  ASSIGN_OR_RETURN(store_, ctx.Store(spec_.store_name));
  return Status::Ok();
}

bool EvalGroupKey(const std::vector<CompiledExprPtr>& group_by, const Record& record, EvalContext& ec,
                  OperatorContext* ctx, Row& key) {
  key.clear();
  key.reserve(group_by.size());
  for (const auto& e : group_by) {
    key.push_back(e->Eval(ec));
    if (key.back().is_null()) {
      if (ctx && ctx->processing_log)
        ctx->processing_log->Add({ctx->query_id, "", record.partition, record.offset,
                                  "Group-by column with NULL value; the record is skipped"});
      return false;
    }
  }
  return true;
}

Status AggregateOperator::Process(Record record, int) {
  if (record.is_tombstone()) return Status::Ok();
  EvalContext ec{&record, {}};
  Row key;
  if (!EvalGroupKey(spec_.group_by, record, ec, ctx_, key)) return Status::Ok();
  key_buf_.clear();
  EncodeRow(key, key_buf_);

  // State: [version][row: state of each call..., max timestamp].
  Row state;
  ASSIGN_OR_RETURN(bool found, store_->Get(key_buf_, &value_buf_));
  if (found) {
    ASSIGN_OR_RETURN(state, DecodeState(value_buf_, "aggregate"));
  } else {
    state.reserve(spec_.calls.size() + 1);
    for (const auto& c : spec_.calls) state.push_back(c.aggregator->Init());
    state.push_back(Value::Bigint(record.timestamp));
  }
  for (size_t i = 0; i < spec_.calls.size(); ++i) {
    const auto& call = spec_.calls[i];
    args_.clear();
    for (const auto& a : call.args) args_.push_back(a->Eval(ec));
    state[i] = call.aggregator->Accumulate(state[i], args_.data(), args_.size());
  }
  int64_t ts = std::max(state.back().as_bigint(), record.timestamp);
  state.back() = Value::Bigint(ts);
  if (!ec.error.empty() && ctx_->processing_log)
    ctx_->processing_log->Add({ctx_->query_id, "", record.partition, record.offset, ec.error});

  EncodeState(state, value_buf_);
  RETURN_IF_ERROR(store_->Put(key_buf_, value_buf_));

  Record out;
  out.timestamp = ts;
  out.partition = record.partition;
  out.offset = record.offset;
  Row row;
  row.reserve(key.size() + spec_.calls.size() + 1);
  for (const auto& k : key) row.push_back(k);
  for (size_t i = 0; i < spec_.calls.size(); ++i) row.push_back(spec_.calls[i].aggregator->Result(state[i]));
  row.push_back(Value::Bigint(ts));
  out.key = std::move(key);
  out.value = std::move(row);
  return Forward(std::move(out));
}

}  // namespace eddy
