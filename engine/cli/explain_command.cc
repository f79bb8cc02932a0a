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
  constexpr const char* kUsage =
      "usage: eddy explain [--format text|dot|mermaid] FILE.sql...\n\nChecks the files and prints the operator "
      "graph of each persistent query: as text (default), Graphviz DOT or a Mermaid flowchart.\n";
  std::string format = "text";
  std::vector<std::string> files;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (args[i] == "--format" || args[i].rfind("--format=", 0) == 0) {
      if (args[i] == "--format") {
        if (i + 1 >= args.size()) return std::cerr << kUsage, 2;
        format = args[++i];
      } else {
        format = args[i].substr(9);
      }
      if (format != "text" && format != "dot" && format != "mermaid") return std::cerr << kUsage, 2;
      continue;
    }
    if (!args[i].empty() && args[i][0] == '-') return std::cerr << "eddy explain: unknown option " << args[i] << "\n" << kUsage, 2;
    files.push_back(args[i]);
  }
  if (files.empty()) return std::cerr << kUsage, 2;
  MemoryLog log;
  EngineOptions eo;
  eo.log = &log;
  Engine engine(eo);
  for (const auto& path : files) {
    std::string error;
    if (!LoadQueryFile(path, engine, &error)) {
      std::cerr << error << "\n";
      return 1;
    }
  }
  for (const auto& [id, q] : engine.catalog().queries()) {
    if (format == "text") std::cout << "Query " << id << " (writes " << q.sink << "):\n";
    std::cout << engine.Explain(id, format) << (format == "text" ? "\n" : "");
  }
  return 0;
}

}  // namespace eddy
