#pragma once
// dsl::Parse turns statement text into AST statements. It never throws and never prints: every
// syntax error comes back as a Status whose position is the offending token's line and column
// (from 1) and whose message is in plain words ("unexpected 'FORM', expecting ...").
#include <string_view>
#include <vector>

#include "dsl/ast.h"
#include "engine/common/status.h"

namespace eddy::dsl {

struct ParseOptions {
  // Expressions and types nested deeper than this are rejected before they can exhaust the stack.
  int max_nesting = 200;
};

// Parses a script of ';'-terminated statements (the last ';' may be missing). Comments: `-- ...`
// to the end of the line and `/* ... */`. Lines and columns are those of `text`.
Result<std::vector<Statement>> ParseStatements(std::string_view text, const ParseOptions& options = {});

// Parses a single expression (used by tests and the REPL).
Result<ExprPtr> ParseExpression(std::string_view text, const ParseOptions& options = {});

}  // namespace eddy::dsl
