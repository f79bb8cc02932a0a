#pragma once
// FormatStatement prints a statement as ksqlDB's SqlFormatter does: the text ksqlDB shows for a
// statement it has rewritten ("Statement: CREATE TABLE OUTPUT AS SELECT\n  TEST.F2 F2,\n ...").
// Identifiers are quoted only where ksqlDB would need quotes (lower case, odd characters, one of
// its reserved words), relations always carry an alias, persistent queries EMIT CHANGES, WITH
// properties are sorted by name.
//
// With `sources`, a query is first sanitized as ksqlDB's AstSanitizer does before it plans one:
// unqualified column references take the alias of the one source that has them, and select items
// without an alias get ksqlDB's generated one (a column's name, a struct field's name, KSQL_COL_n).
#include <string>
#include <vector>

#include "dsl/ast.h"
#include "engine/common/type.h"

namespace eddy::dsl {

// A source of the statement's query, in FROM/JOIN order, for sanitizing.
struct FormatSource {
  std::string alias;                 // the relation's alias, or its name
  std::vector<std::string> columns;  // key, value and header columns
  bool windowed = false;             // WINDOWSTART/WINDOWEND are its columns too
};

struct StatementFormatOptions {
  const std::vector<FormatSource>* sources = nullptr;  // sanitize the query against these
};

std::string FormatStatement(const Statement& statement, const StatementFormatOptions& options = {});

// An identifier as ksqlDB's formatter prints it: bare if it reads back unquoted, else `quoted`.
std::string FormatIdentifier(const std::string& name);

// A type as ksqlDB's formatter prints it: STRUCT<A STRING, `b` INTEGER>, MAP<STRING, DOUBLE>.
std::string FormatSqlType(const Type& type);

}  // namespace eddy::dsl
