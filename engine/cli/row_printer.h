#pragma once
// RowPrinter: prints the rows of a transient query (a SELECT in a run file, --follow) on
// stdout, as the ksql CLI does — a header, then one table row per change, `<TOMBSTONE>` in the
// value cells of a deleted table row — or as JSON Lines: {"KEY_COL": .., "VALUE_COL": ..}.
#include <ostream>
#include <string>
#include <vector>

#include "engine/common/record.h"
#include "engine/common/schema.h"

namespace eddy {

enum class OutputFormat : uint8_t { kTable, kJson };

class RowPrinter {
 public:
  // `max_width`: the terminal's columns (0: no limit). Push-query tables share it evenly among
  // their columns, as the ksql CLI does; cells wider than their column wrap.
  RowPrinter(std::ostream& out, OutputFormat format, size_t max_width = 0)
      : out_(out), format_(format), max_width_(max_width) {}
  void set_max_width(size_t max_width) { max_width_ = max_width; }
  // One row of a push query, under a header printed when the query changes.
  void Print(const std::string& query_id, const Schema& schema, const Record& row);
  // The whole answer of a pull query: one table, columns as wide as their widest cell.
  void PrintAll(const Schema& schema, const std::vector<Record>& rows);

 private:
  std::vector<std::string> Cells(const Schema& schema, const Record& row) const;
  std::ostream& out_;
  OutputFormat format_;
  size_t max_width_;
  std::string last_query_;
  std::vector<size_t> widths_;
};

// The columns of the terminal on stdout; 0 when stdout is not a terminal.
size_t TerminalColumns();

// A cell as the CLI shows it: strings bare, numbers as Java prints them, NULL as `null`.
std::string CellText(const Value& v, const Type& type);

}  // namespace eddy
