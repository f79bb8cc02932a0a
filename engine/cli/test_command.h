#pragma once
// `eddy test`: runs golden test files and prints a diff for each failing case, then the line
// "N passed, M failed, K skipped".
#include <string>
#include <vector>

namespace eddy {

int RunTestCommand(const std::vector<std::string>& args);

}  // namespace eddy
