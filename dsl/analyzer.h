#pragma once
// The expression analyzer: resolves the names in an AST expression against a Scope, checks
// types with the function registry's rules, and compiles it once into a CompiledExpr. Errors
// carry the position of the offending node.
#include <functional>
#include <string>
#include <vector>

#include "dsl/ast.h"
#include "engine/function/expr.h"
#include "engine/function/registry.h"

namespace eddy::dsl {

// A column an expression may name. Every column of a scope lives in the same section.
struct ScopeColumn {
  std::string qualifier;  // the alias (or name) of the source it comes from
  std::string source;     // the source's name
  std::string name;
  TypePtr type;
  int index = 0;          // position in the evaluated row
  bool pseudo = false;    // ROWTIME etc.: never part of `*`
};

struct Scope {
  Section section = Section::kValue;
  std::vector<ScopeColumn> columns;
  // (alias, source name) of every source in the query, in FROM/JOIN order.
  std::vector<std::pair<std::string, std::string>> sources;
};

struct AnalyzeHooks {
  // Consulted at every node before the normal rules: returns a compiled expression to use in
  // its place, or nullptr to carry on. The planner uses it to replace GROUP BY expressions and
  // aggregate calls with columns of the aggregate's output.
  std::function<Result<CompiledExprPtr>(const Expr&)> substitute;
};

// ksqlDB's first check of an expression: every qualifier names a source of the scope (else
// "Failed to prepare statement: 'X' is not a valid stream/table name or alias. ...").
Status CheckQualifiers(const Expr& e, const Scope& scope);

Result<CompiledExprPtr> AnalyzeExpr(const Expr& e, const Scope& scope, const FunctionRegistry& registry,
                                    const AnalyzeHooks* hooks = nullptr);

// The column an expression names when it is a plain column reference, or nullptr.
const ScopeColumn* ResolveColumnRef(const Expr& e, const Scope& scope);

// Structural equality of two expressions (GROUP BY matching), ignoring positions.
bool SameExpr(const Expr& a, const Expr& b);

// Visits e and every sub-expression, parents first. Stops descending when fn returns false.
void VisitExpr(const Expr& e, const std::function<bool(const Expr&)>& fn);

// The type named by a literal, and its value: 7 INT, 7000000000 BIGINT, 7.2 DECIMAL(2,1),
// 7.2E0 DOUBLE.
Result<std::pair<Value, TypePtr>> LiteralValue(const Expr& e);

}  // namespace eddy::dsl
