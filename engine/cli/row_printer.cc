#include "engine/cli/row_printer.h"

#include <fmt/format.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "engine/io/format.h"
#include "engine/runtime/introspect.h"

namespace eddy {
namespace {

std::string JsonText(const Value& v, const Type& type) {
  // The JSON format writes one column unwrapped exactly as a sink would.
  Column c{"V", std::make_shared<Type>(type), ColumnRole::kValue, ""};
  FormatOptions o;
  o.wrap_single_value = false;
  auto f = MakeFormat("JSON", {c}, o);
  std::string out;
  if (!f.ok() || !f.value()->Serialize({v}, out).ok()) return v.DebugString();
  return out;
}

}  // namespace

std::string CellText(const Value& v, const Type& type) {
  if (v.is_null()) return "null";
  if (v.is_string()) return v.as_string();
  return JsonText(v, type);
}

size_t TerminalColumns() {
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) return ws.ws_col;
  return 0;
}

std::vector<std::string> RowPrinter::Cells(const Schema& schema, const Record& row) const {
  std::vector<std::string> cells;
  for (size_t i = 0; i < schema.key.size(); ++i)
    cells.push_back(i < row.key.size() ? CellText(row.key[i], *schema.key[i].type) : "null");
  for (size_t j = 0; j < schema.value.size(); ++j) {
    if (!row.value) cells.push_back("<TOMBSTONE>");
    else cells.push_back(j < row.value->size() ? CellText((*row.value)[j], *schema.value[j].type) : "null");
  }
  return cells;
}

void RowPrinter::Print(const std::string& query_id, const Schema& schema, const Record& row) {
  if (format_ == OutputFormat::kJson) {
    std::vector<const Column*> cols;
    for (const auto& c : schema.key) cols.push_back(&c);
    for (const auto& c : schema.value) cols.push_back(&c);
    std::string line = "{";
    for (size_t i = 0; i < cols.size(); ++i) {
      const Value* v = nullptr;
      Value null;
      if (i < schema.key.size()) v = i < row.key.size() ? &row.key[i] : &null;
      else if (row.value) v = i - schema.key.size() < row.value->size() ? &(*row.value)[i - schema.key.size()] : &null;
      else v = &null;
      if (i) line += ",";
      line += "\"" + cols[i]->name + "\":" + (v->is_null() ? "null" : JsonText(*v, *cols[i]->type));
    }
    if (!row.value) line += std::string(cols.empty() ? "" : ",") + "\"__tombstone\":true";
    line += "}";
    out_ << line << "\n";
    out_.flush();
    return;
  }
  if (query_id != last_query_) {
    last_query_ = query_id;
    std::vector<std::string> names;
    for (const auto& c : schema.key) names.push_back(c.name);
    for (const auto& c : schema.value) names.push_back(c.name);
    widths_.clear();
    size_t frame = 3 * names.size() + 1;
    for (const auto& n : names) {
      if (max_width_ > frame + names.size()) widths_.push_back((max_width_ - frame) / names.size());
      else widths_.push_back(std::max<size_t>(n.size(), 12));
    }
    out_ << RenderSeparator(widths_) << RenderRow(names, widths_) << RenderSeparator(widths_);
  }
  out_ << RenderRow(Cells(schema, row), widths_, /*wrap=*/max_width_ > 0);
  out_.flush();
}

void RowPrinter::PrintAll(const Schema& schema, const std::vector<Record>& rows) {
  if (format_ == OutputFormat::kJson) {
    for (const auto& r : rows) Print("", schema, r);
    return;
  }
  TextTable t;
  for (const auto& c : schema.key) t.columns.push_back(c.name);
  for (const auto& c : schema.value) t.columns.push_back(c.name);
  for (const auto& r : rows) t.rows.push_back(Cells(schema, r));
  out_ << RenderTable(t, max_width_);
  out_.flush();
}

}  // namespace eddy
