#pragma once
// Topology: the operators of one running query, wired together. Built from a QueryPlan, once
// per task; the task feeds its source operators and the sink writes through the context.
#include <memory>
#include <string>
#include <vector>

#include "engine/common/schema.h"
#include "operators/operator.h"
#include "operators/source.h"

namespace eddy {

struct Topology {
  std::string query_id;
  std::vector<OperatorPtr> operators;     // owned, in build order
  std::vector<SourceOperator*> sources;   // entry points
  Operator* last = nullptr;               // the final operator (the sink, or what a transient query ends with)
  Schema output_schema;                   // the columns `last` emits: key row, value row
  std::vector<std::vector<std::string>> stores;  // per operator: the state stores it opened

 private:
  OperatorContext* ctx_ = nullptr;
 public:

  Status Open(OperatorContext& ctx) {
    ctx_ = &ctx;
    stores.assign(operators.size(), {});
    for (size_t i = 0; i < operators.size(); ++i) {
      size_t before = ctx.opened_stores.size();
      RETURN_IF_ERROR(operators[i]->Open(ctx));
      stores[i].assign(ctx.opened_stores.begin() + static_cast<std::ptrdiff_t>(before), ctx.opened_stores.end());
    }
    return Status::Ok();
  }
  Status Close() {
    for (auto& op : operators) RETURN_IF_ERROR(op->Close());
    return Status::Ok();
  }
  // One line per operator, sources first, as EXPLAIN prints it; once running, with each
  // operator's records in and out, stream time and state (RocksDB's estimates).
  std::string Explain() const;
  // The operator graph as Graphviz DOT or a Mermaid flowchart.
  std::string ToDot() const;
  std::string ToMermaid() const;
};

}  // namespace eddy
