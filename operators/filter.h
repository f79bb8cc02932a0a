#pragma once
// FilterOperator: passes the records whose predicate is TRUE (WHERE). Tombstones pass, since
// they carry no columns to test (a table filter downstream sees the delete).
#include <optional>
#include <string>

#include "engine/function/expr.h"
#include "engine/state/kv_store.h"
#include "operators/operator.h"

namespace eddy {

// A table filter's memory of which keys (and windows) pass now, as Kafka Streams' table filter
// with old values behaves: a row that matches passes; a row that stops matching, or a delete,
// becomes a tombstone only when the key's previous row had passed; otherwise nothing. Used by
// a table's WHERE and by HAVING.
class PassingKeys {
 public:
  Status Open(OperatorContext& ctx, const std::string& store_name);
  // Whether `record` goes on (made a tombstone when it does not match).
  Result<bool> Update(Record& record, bool match);

 private:
  KvStore* store_ = nullptr;
  std::string key_buf_, value_buf_;
};

class FilterOperator final : public Operator {
 public:
  // A tombstone passes (a table row's delete) unless `drop_tombstones` (a stream's null value,
  // which no WHERE clause accepts).
  FilterOperator(CompiledExprPtr predicate, std::string text, bool drop_tombstones = false)
      : predicate_(std::move(predicate)), text_(std::move(text)), drop_tombstones_(drop_tombstones) {}
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Filter " + text_; }
  // A table row that does not match becomes a tombstone for its key (a table aggregation must
  // take the row's earlier contribution back out). Default: it is dropped.
  void set_non_matching_as_tombstone() { non_matching_as_tombstone_ = true; }
  // The WHERE of a persistent query whose output is a table (no aggregation), over a
  // materialized table: a row that stops matching, or is deleted, becomes a tombstone only when
  // that key's previous row had passed (PassingKeys, kept in `store_name`).
  void set_track_passing(std::string store_name) { track_store_name_ = std::move(store_name); }
  Status Open(OperatorContext& ctx) override;

 private:
  Status ProcessTracked(Record record, bool match);

  CompiledExprPtr predicate_;
  std::string text_;
  bool drop_tombstones_;
  bool non_matching_as_tombstone_ = false;
  std::string track_store_name_;
  std::optional<PassingKeys> passing_;
};

}  // namespace eddy
