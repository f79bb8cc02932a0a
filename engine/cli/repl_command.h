#pragma once
// `eddy repl` (and `eddy` on a terminal): an interactive session on an engine of its own over
// the embedded log, in the style of the ksql CLI and psql. With stdin not a terminal, statements
// are read from stdin and the exit code says whether all succeeded.
#include <string>
#include <vector>

namespace eddy {

int RunReplCommand(const std::vector<std::string>& args, bool interactive);

}  // namespace eddy
