#pragma once
// What the REPL's line reading, variables, SPOOL and RUN SCRIPT (repl_command.cc) run statements
// on: an engine of its own (LocalBackend, in repl_command.cc) or a running eddy over ksqlDB's
// REST API (RemoteBackend, remote_session.h). Each prints its answers on std::cout.
#include <atomic>
#include <string>
#include <vector>

#include "engine/cli/row_printer.h"

namespace eddy {

// What every backend is told about the session.
struct ReplContext {
  OutputFormat output = OutputFormat::kTable;
  bool interactive = false;             // a person at a terminal (not statements on stdin)
  std::atomic<bool>* interrupted = nullptr;  // set by Ctrl-C: a running query stops
};

class ReplBackend {
 public:
  virtual ~ReplBackend() = default;
  // Runs the statement(s) of one complete piece of text (variables substituted; DEFINE, SPOOL
  // and RUN SCRIPT already handled) and prints the answer. False when one failed.
  virtual bool Run(const std::string& text) = 0;
  // The names tab completion offers beside keywords and functions: sources, their columns,
  // query ids.
  virtual std::vector<std::string> CompletionWords() = 0;
  // After each entry at the prompt and at the end of the session (an engine commits).
  virtual void Checkpoint() {}
};

// An error about `text`: with a line (from 1), the line itself, a caret under the column and
// "line L:C: message"; without one, the message alone.
void PrintStatementError(const std::string& text, int line, int column, const std::string& message);

}  // namespace eddy
