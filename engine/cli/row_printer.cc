#include "engine/cli/row_printer.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/io/format.h"

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

void RowPrinter::Print(const std::string& query_id, const Schema& schema, const Record& row) {
  std::vector<const Column*> cols;
  for (const auto& c : schema.key) cols.push_back(&c);
  for (const auto& c : schema.value) cols.push_back(&c);
  if (format_ == OutputFormat::kJson) {
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
    widths_.clear();
    std::string sep = "+", head = "|";
    for (const Column* c : cols) {
      size_t w = std::max<size_t>(c->name.size(), 12);
      widths_.push_back(w);
      sep += std::string(w + 2, '-') + "+";
      head += " " + c->name + std::string(w - c->name.size(), ' ') + " |";
    }
    out_ << sep << "\n" << head << "\n" << sep << "\n";
  }
  std::string line = "|";
  for (size_t i = 0; i < cols.size(); ++i) {
    std::string cell;
    if (i < schema.key.size()) {
      cell = i < row.key.size() ? CellText(row.key[i], *cols[i]->type) : "null";
    } else if (!row.value) {
      cell = "<TOMBSTONE>";
    } else {
      size_t j = i - schema.key.size();
      cell = j < row.value->size() ? CellText((*row.value)[j], *cols[i]->type) : "null";
    }
    size_t w = i < widths_.size() ? widths_[i] : cell.size();
    line += " " + cell + std::string(cell.size() < w ? w - cell.size() : 0, ' ') + " |";
  }
  out_ << line << "\n";
  out_.flush();
}

}  // namespace eddy
