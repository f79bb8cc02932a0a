#pragma once
// `eddy run FILE.sql...`: checks every statement of every file, then runs them as a service
// over the embedded log in the state directory. See `eddy run --help`.
#include <string>
#include <vector>

namespace eddy {

int RunRunCommand(const std::vector<std::string>& args);

}  // namespace eddy
