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

  Status Open(OperatorContext& ctx) {
    for (auto& op : operators) RETURN_IF_ERROR(op->Open(ctx));
    return Status::Ok();
  }
  Status Close() {
    for (auto& op : operators) RETURN_IF_ERROR(op->Close());
    return Status::Ok();
  }
  // One line per operator, sources first, as EXPLAIN prints it.
  std::string Explain() const;
  // The operator graph as Graphviz DOT or a Mermaid flowchart.
  std::string ToDot() const;
  std::string ToMermaid() const;
};

}  // namespace eddy
