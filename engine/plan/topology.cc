#include "engine/plan/topology.h"

namespace eddy {

std::string Topology::Explain() const {
  std::string out;
  for (const auto& op : operators) {
    out += " > " + op->Describe();
    if (op->downstream()) out += "  ->  " + op->downstream()->Describe();
    out += "\n";
  }
  return out;
}

}  // namespace eddy
