#pragma once
// dsl::Parse turns statement text into AST statements. It never throws and never prints: every
// syntax error comes back as a Status whose position is the offending token's line and column
// (from 1) and whose message reads as ksqlDB's: "Syntax Error\nExpecting {',', FROM}".
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.h"
#include "engine/common/status.h"

namespace eddy::dsl {

// What a failed parse found, for callers that render errors as ksqlDB does (the golden tests).
struct ParseErrorInfo {
  // True when the grammar rejected the text (a syntax error); false when the text parsed but a
  // statement could not be built from it (an out-of-range literal, a bad type parameter, ...).
  bool syntax = false;
  // The offending token's text as ksqlDB shows it ("<EOF>" at the end), for syntax errors.
  std::string token;
};

struct ParseOptions {
  // Expressions and types nested deeper than this are rejected before they can exhaust the stack.
  int max_nesting = 200;
  // When set and the parse fails, filled in.
  ParseErrorInfo* error_info = nullptr;
  // Custom types (CREATE TYPE) that type names may refer to. A script's own CREATE TYPE and
  // DROP TYPE statements change them for the statements after them.
  const TypeRegistry* types = nullptr;
};

// Parses a script of ';'-terminated statements (the last ';' may be missing). Comments: `-- ...`
// to the end of the line and `/* ... */`. Lines and columns are those of `text`.
Result<std::vector<Statement>> ParseStatements(std::string_view text, const ParseOptions& options = {});

// Parses a single expression (used by tests and the REPL).
Result<ExprPtr> ParseExpression(std::string_view text, const ParseOptions& options = {});

}  // namespace eddy::dsl
