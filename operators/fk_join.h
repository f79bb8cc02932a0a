#pragma once
// ForeignKeyJoinOperator: a foreign-key table-table join (ksqlDB's `L JOIN R ON <expression
// over L> = R's primary key`), with Kafka Streams' foreign-key join semantics computed in one
// step instead of through subscription and response topics. Port 0 is the left table, keyed by
// its primary key; port 1 the right table, keyed by its primary key. The result is keyed by the
// left key, its row [left row..., right row...].
//
// State (one RocksDB store): each left row with its timestamp and foreign key, each right row
// with its timestamp, and the subscriptions (foreign key, left key) that let a right update find
// every left row referring to it. A NULL foreign key (or one whose expression fails) subscribes
// to nothing.
//  - A left update with foreign key F: the right row for F exists -> the joined row, at the later
//    of the two timestamps. It does not: LEFT pads the right side with NULLs; INNER emits a
//    tombstone when the left row existed before with another foreign key (its old result must
//    go), and nothing otherwise.
//  - A left delete: a tombstone when the row existed (and, for INNER, had a foreign key), at the
//    later of its timestamp and its old right row's.
//  - A right update or delete fans out to every subscribed left row, at the right record's
//    timestamp: the joined row, or for a delete LEFT's padded row and INNER's tombstone.
#include <string>
#include <vector>

#include "engine/function/expr.h"
#include "engine/state/kv_store.h"
#include "operators/operator.h"

namespace eddy {

struct ForeignKeyJoinSpec {
  bool left_outer = false;      // LEFT JOIN (RIGHT and FULL are rejected by the planner)
  CompiledExprPtr foreign_key;  // over the left wide row
  size_t left_width = 0;
  size_t right_width = 0;
  std::string store_name;
  std::string text;
};

class ForeignKeyJoinOperator final : public Operator {
 public:
  explicit ForeignKeyJoinOperator(ForeignKeyJoinSpec spec) : spec_(std::move(spec)) {}
  Status Open(OperatorContext& ctx) override;
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "ForeignKeyJoin " + spec_.text; }

 private:
  Status ProcessLeft(Record record);
  Status ProcessRight(Record record);
  // Looks the right row for `fk` up: false when there is none.
  Result<bool> GetRight(const Value& fk, Row* row, int64_t* ts);
  // Sets sub_key_ to the subscription key of (fk, encoded left key).
  void SubscriptionKey(const Value& fk, std::string_view left_key);

  ForeignKeyJoinSpec spec_;
  KvStore* store_ = nullptr;
  std::string left_key_, sub_key_, buf_, stored_, right_stored_;
  std::vector<std::string> subscribers_;
};

}  // namespace eddy
