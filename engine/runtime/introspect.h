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

// A table as the ksql CLI draws it, columns padded to their widest cell. With `max_width`
// (a terminal's columns; 0: no limit) the widest columns are narrowed until the table fits, and
// a cell wider than its column wraps onto further lines.
std::string RenderTable(const TextTable& t, size_t max_width = 0);
// Its parts, for tables printed a row at a time: widths narrowed to fit `max_width` (none below
// 8 characters), the +----+ line, and one row (several lines when a cell wraps; without `wrap`
// a wider cell is printed whole, pushing the rest of its line right).
std::vector<size_t> FitWidths(std::vector<size_t> widths, size_t max_width);
std::string RenderSeparator(const std::vector<size_t>& widths);
std::string RenderRow(const std::vector<std::string>& cells, const std::vector<size_t>& widths, bool wrap = true);

}  // namespace eddy
