#pragma once
// HavingFilterOperator: HAVING over an aggregate's table output. A row that matches passes; a
// row that stops matching becomes a tombstone for its key (and window), but only when that key's
// previous row had passed, as ksqlDB's table filter does. Which keys currently pass is kept in
// a store. Single-threaded, inside its task.
#include <string>

#include "engine/function/expr.h"
#include "operators/filter.h"
#include "operators/operator.h"

namespace eddy {

class HavingFilterOperator final : public Operator {
 public:
  HavingFilterOperator(CompiledExprPtr predicate, std::string text, std::string store_name)
      : predicate_(std::move(predicate)), text_(std::move(text)), store_name_(std::move(store_name)) {}
  Status Open(OperatorContext& ctx) override;
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "Having " + text_; }

 private:
  CompiledExprPtr predicate_;
  std::string text_;
  std::string store_name_;
  PassingKeys passing_;
};

}  // namespace eddy
