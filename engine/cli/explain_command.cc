#include "engine/cli/explain_command.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/io/memory_log.h"
#include "engine/runtime/engine.h"

namespace eddy {

bool LoadQueryFile(const std::string& path, Engine& engine, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("{}: cannot read the file", path);
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  Status st = engine.ExecuteScript(ss.str());
  if (!st.ok()) {
    *error = st.pos().known() ? fmt::format("{}:{}:{}: {}", path, st.pos().line, st.pos().column, st.message())
                              : fmt::format("{}: {}", path, st.message());
    return false;
  }
  return true;
}

int RunExplainCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "usage: eddy explain FILE.sql...\n\nChecks the files and prints the operator graph of each "
                 "persistent query.\n";
    return args.empty() ? 2 : 0;
  }
  MemoryLog log;
  EngineOptions eo;
  eo.log = &log;
  Engine engine(eo);
  for (const auto& path : args) {
    std::string error;
    if (!LoadQueryFile(path, engine, &error)) {
      std::cerr << error << "\n";
      return 1;
    }
  }
  for (const auto& [id, q] : engine.catalog().queries()) {
    std::cout << "Query " << id << " (writes " << q.sink << "):\n" << engine.Explain(id) << "\n";
  }
  return 0;
}

}  // namespace eddy
