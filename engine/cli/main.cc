// eddy: one binary for running query files, the REPL, golden tests and EXPLAIN.
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "engine/cli/explain_command.h"
#include "engine/cli/gen_command.h"
#include "engine/cli/repl_command.h"
#include "engine/cli/run_command.h"
#include "engine/cli/test_command.h"

namespace {

constexpr const char* kUsage = R"(eddy: a stream-processing engine for ksqlDB-style query files

usage:
  eddy                       on a terminal: the interactive REPL (same as eddy repl)
  eddy repl                  the interactive REPL; with stdin not a terminal, runs the statements on it
  eddy repl --server URL     the REPL attached to a running eddy run over its REST API
  eddy run FILE.sql...        check query files, then run them over the embedded log, serving
                             ksqlDB's REST API on 127.0.0.1:8088
  eddy test PATH...          run golden tests (ksqlDB QTT .json files, run-ksql-test .sql files)
  eddy explain FILE.sql      show the operator graph of each persistent query
  eddy gen nexmark|trucks    write deterministic benchmark data (Nexmark, truck pings) as JSON Lines
  eddy --help                this text

Run `eddy COMMAND --help` for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  // A file size limit (RLIMIT_FSIZE) makes a write fail with EFBIG, reported like a full disk,
  // instead of killing eddy with SIGXFSZ mid-commit.
  signal(SIGXFSZ, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  if (args.empty()) {
    if (tty) return eddy::RunReplCommand({}, true);
    std::cout << kUsage;
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return 0;
  }
  std::string cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "repl") return eddy::RunReplCommand(rest, tty);
  if (cmd == "run") return eddy::RunRunCommand(rest);
  if (cmd == "test") return eddy::RunTestCommand(rest);
  if (cmd == "explain") return eddy::RunExplainCommand(rest);
  if (cmd == "gen") return eddy::RunGenCommand(rest);
  std::cerr << "eddy: unknown command '" << cmd << "'\n" << kUsage;
  return 2;
}
