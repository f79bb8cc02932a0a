#include "engine/plan/topology.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/function/temporal.h"
#include "engine/state/state_db.h"

namespace eddy {

std::string Topology::Explain() const {
  // Each operator once, with where it sends its records and, once running, what it has seen.
  std::string out;
  for (size_t i = 0; i < operators.size(); ++i) {
    const Operator* op = operators[i].get();
    out += " [" + std::to_string(i) + "] " + op->Describe();
    uint64_t in = 0;
    for (size_t j = 0; j < operators.size(); ++j) {
      if (op->downstream() == operators[j].get()) out += "  -> [" + std::to_string(j) + "]";
      if (operators[j]->downstream() == op) in += operators[j]->records_out();
    }
    out += "  (";
    if (!std::count(sources.begin(), sources.end(), op)) out += "in: " + std::to_string(in) + ", ";
    out += "out: " + std::to_string(op->records_out());
    if (op->max_timestamp_out() != INT64_MIN)
      out += ", stream time: " + temporal::FormatTimestamp(op->max_timestamp_out());
    if (ctx_ && ctx_->state && i < stores.size()) {
      for (const auto& name : stores[i]) {
        StateDb::Size size = ctx_->state->EstimateSize(name);
        out += fmt::format(", state {}: ~{} keys, {} KiB", name.substr(query_id.size() + 1), size.keys,
                           (size.bytes + 1023) / 1024);
      }
    }
    out += ")\n";
  }
  return out;
}

namespace {

// Quotes a label for DOT and Mermaid: backslash-escaped double quotes.
std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else out += c;
  }
  return out + "\"";
}

}  // namespace

std::string Topology::ToDot() const {
  std::string out = "digraph " + Quoted(query_id) + " {\n  rankdir=TB;\n  node [shape=box];\n";
  for (size_t i = 0; i < operators.size(); ++i)
    out += "  n" + std::to_string(i) + " [label=" + Quoted(operators[i]->Describe()) + "];\n";
  for (size_t i = 0; i < operators.size(); ++i) {
    for (size_t j = 0; j < operators.size(); ++j)
      if (operators[i]->downstream() == operators[j].get()) out += "  n" + std::to_string(i) + " -> n" + std::to_string(j) + ";\n";
  }
  return out + "}\n";
}

std::string Topology::ToMermaid() const {
  std::string out = "flowchart TD\n";
  for (size_t i = 0; i < operators.size(); ++i) {
    std::string label = operators[i]->Describe();
    for (auto& c : label)
      if (c == '"') c = '\'';
    out += "  n" + std::to_string(i) + "[\"" + label + "\"]\n";
  }
  for (size_t i = 0; i < operators.size(); ++i) {
    for (size_t j = 0; j < operators.size(); ++j)
      if (operators[i]->downstream() == operators[j].get()) out += "  n" + std::to_string(i) + " --> n" + std::to_string(j) + "\n";
  }
  return out;
}

}  // namespace eddy
