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
  RowPrinter(std::ostream& out, OutputFormat format) : out_(out), format_(format) {}
  void Print(const std::string& query_id, const Schema& schema, const Record& row);

 private:
  std::ostream& out_;
  OutputFormat format_;
  std::string last_query_;
  std::vector<size_t> widths_;
};

// A cell as the CLI shows it: strings bare, numbers as Java prints them, NULL as `null`.
std::string CellText(const Value& v, const Type& type);

}  // namespace eddy
