#include "engine/plan/topology.h"

namespace eddy {

std::string Topology::Explain() const {
  // Each operator once, with where it sends its records and how many it has sent so far.
  std::string out;
  for (size_t i = 0; i < operators.size(); ++i) {
    const Operator* op = operators[i].get();
    out += " [" + std::to_string(i) + "] " + op->Describe();
    for (size_t j = 0; j < operators.size(); ++j)
      if (op->downstream() == operators[j].get()) out += "  -> [" + std::to_string(j) + "]";
    out += "  (records out: " + std::to_string(op->records_out()) + ")\n";
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
