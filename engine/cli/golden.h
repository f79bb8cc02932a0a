#pragma once
// Golden tests: ksqlDB's QTT JSON files and run-ksql-test style .sql files, loaded into cases
// and run against an in-process Engine over a MemoryLog (deterministic: each input record is
// processed completely before the next).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/json.h"
#include "engine/common/record.h"
#include "engine/common/status.h"

namespace eddy::golden {

struct TestRecord {
  std::string topic;
  JsonValue key;    // null when absent
  JsonValue value;  // null: a tombstone
  std::optional<int64_t> timestamp;
  std::optional<JsonValue> window;
  // "headers": [{"KEY": "k", "VALUE": "<base64>" or null}, ...]. An input's are written with it;
  // an output's are compared exactly, and when absent the record must have none (as ksqlDB's
  // runner compares them).
  std::optional<Headers> headers;
};

// One step of a .sql test: a statement to execute, or an assertion on the next output record.
struct SqlStep {
  std::string statement;  // text, executed as it is (INSERT VALUES, CREATE ...)
  bool is_assert = false;
  int line = 0;
};

struct TestCase {
  std::string file;        // as given on the command line
  std::string name;        // the case name, with " - FORMAT" / " - CONFIG" for expanded variants
  bool enabled = true;
  std::vector<std::string> statements;
  std::map<std::string, std::string> properties;
  std::vector<TestRecord> inputs;
  std::vector<TestRecord> outputs;
  bool has_expected_error = false;
  std::string expected_error_type;
  std::string expected_error_message;
  bool exact_numeric = true;
  std::optional<JsonValue> post;
  // .sql tests: the script, run in order with ASSERT statements checked as they come.
  bool sql_script = false;
  std::string script;
  // Run through a restart (`eddy test --restart`, QTT cases): process the first half of the
  // inputs, commit, close the engine, open a new one on the same state, process the rest.
  bool through_restart = false;
};

// Loads every case of a QTT JSON file (format/config variants expanded).
Result<std::vector<TestCase>> LoadQttFile(const std::string& path);
// Loads every case of a .sql test file.
Result<std::vector<TestCase>> LoadSqlTestFile(const std::string& path);

// The same from a file's text; `path` names it in cases and messages (the fuzz targets).
Result<std::vector<TestCase>> LoadQttText(std::string_view text, const std::string& path);
Result<std::vector<TestCase>> LoadSqlTestText(std::string_view text, const std::string& path);

struct CaseResult {
  enum class Outcome : uint8_t { kPass, kFail, kSkip };
  Outcome outcome = Outcome::kPass;
  std::string message;  // why it failed: the diff
};

// Runs one case in this process.
CaseResult RunCase(const TestCase& c);

}  // namespace eddy::golden
