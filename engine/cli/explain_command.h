#pragma once
// `eddy explain FILE.sql`: checks the file and prints the operator graph of each persistent query.
#include <string>
#include <vector>

namespace eddy {

int RunExplainCommand(const std::vector<std::string>& args);

// Reads a query file and executes its statements on `engine`, reporting the first error as
// "FILE:LINE:COL: message". Shared by the commands that run query files.
class Engine;
bool LoadQueryFile(const std::string& path, Engine& engine, std::string* error);

}  // namespace eddy
