#pragma once
// Answers to the statements that inspect an engine rather than change it — SHOW, DESCRIBE,
// DESCRIBE FUNCTION, EXPLAIN, PRINT — as text tables, for the REPL (and later the server).
#include <string>
#include <vector>

#include "dsl/ast.h"
#include "engine/runtime/engine.h"

namespace eddy {

struct TextTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::string note;  // free text shown after the table (DESCRIBE's extra lines)
};

// True for statements Introspect answers (SHOW, DESCRIBE, EXPLAIN <query id>, PRINT).
bool IsIntrospection(const dsl::Statement& st);
// Answers one of them.
Result<TextTable> Introspect(Engine& engine, const dsl::Statement& st);

// A table as the ksql CLI draws it, columns padded to their widest cell.
std::string RenderTable(const TextTable& t);

}  // namespace eddy
