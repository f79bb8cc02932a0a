#pragma once
// FlatMapOperator: runs the table functions of a SELECT (EXPLODE, CUBE_EXPLODE) over each
// record's wide row. Each function gives a list; the record becomes as many records as the
// longest list, each the input row followed by one column per function holding that
// function's i-th value, or NULL where its list is shorter (ksqlDB pads the same way). A record
// whose lists are all empty gives no record. Stateless.
#include <string>
#include <vector>

#include "engine/function/expr.h"
#include "engine/function/registry.h"
#include "operators/operator.h"

namespace eddy {

struct TableFunctionCall {
  TableImpl impl;
  std::vector<CompiledExprPtr> args;
};

struct FlatMapSpec {
  std::vector<TableFunctionCall> calls;
  std::string text;
};

class FlatMapOperator final : public Operator {
 public:
  explicit FlatMapOperator(FlatMapSpec spec) : spec_(std::move(spec)), lists_(spec_.calls.size()) {}
  Status Process(Record record, int port) override;
  std::string Describe() const override { return "FlatMap " + spec_.text; }

 private:
  FlatMapSpec spec_;
  std::vector<ValueList> lists_;  // per call, reused across records
  ValueList args_;
};

}  // namespace eddy
