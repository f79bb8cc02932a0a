#pragma once
// Planning one statement against a catalog, for the planner's tests: a source or sink the
// statement creates is added to the catalog, as the engine would.
#include <memory>
#include <string>
#include <vector>

#include "dsl/parser.h"
#include "engine/plan/planner.h"

namespace eddy::testing {

inline Result<PlannedStatement> Plan(Catalog& catalog, const std::string& text) {
  ASSIGN_OR_RETURN(std::vector<dsl::Statement> parsed, dsl::ParseStatements(text));
  auto st = std::make_shared<const dsl::Statement>(std::move(parsed.at(0)));
  PlanOptions options;
  ASSIGN_OR_RETURN(PlannedStatement planned, PlanStatement(st, catalog, options));
  if (planned.source) RETURN_IF_ERROR(catalog.AddSource(*planned.source, false));
  return planned;
}

}  // namespace eddy::testing
