#pragma once
// What `eddy run` and `eddy repl` share: the common flags and eddy.yaml, and opening an engine
// over the embedded log in the state directory.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/cli/row_printer.h"
#include "engine/io/embedded_log.h"
#include "engine/runtime/engine.h"

namespace eddy {

struct CommonOptions {
  std::string state_dir = ".eddy";
  std::string config;
  std::map<std::string, std::string> properties;
  OutputFormat output = OutputFormat::kTable;
  std::string bootstrap_servers;
  std::string service_id = "eddy";
  // librdkafka settings: eddy.yaml's `kafka` map and `--set kafka.KEY=VALUE` (prefix dropped).
  // Values may be secrets: never printed.
  std::map<std::string, std::string> kafka;
  // Memory bounds of the state database: eddy.yaml's `state` map (ksqlDB's names in
  // `properties` or --set work too).
  StateDbOptions state;
  // Which settings the command line gave: they beat eddy.yaml.
  bool explicit_state = false, explicit_output = false, explicit_servers = false, explicit_service = false;
};

enum class FlagResult : uint8_t { kNotCommon, kConsumed, kError };

// Parses args[i] (and its value, advancing i) if it is a common flag. `--flag=value` works too.
FlagResult ParseCommonFlag(const std::vector<std::string>& args, size_t& i, CommonOptions& o, std::string* error);
// Reads --config (or ./eddy.yaml when present); flags given on the command line win.
Status ApplyConfig(CommonOptions& o);
// The state settings among o.properties (ksqlDB's names) into o.state; ApplyConfig calls it.
Status ApplyStateProperties(CommonOptions& o);

// An engine over the embedded log of a state directory, with what keeps it alive.
struct EmbeddedSession {
  std::unique_ptr<StateDb> db;
  std::unique_ptr<EmbeddedLog> log;
  std::unique_ptr<Engine> engine;
};
// Opens (creating when missing) the state directory and resumes the engine in it.
Result<EmbeddedSession> OpenEmbeddedSession(const CommonOptions& o, std::unique_ptr<StateDb> db = nullptr);

// An engine over a Kafka cluster; the catalog, state and offsets stay in the state directory.
struct KafkaSession {
  std::unique_ptr<StateDb> db;
  std::unique_ptr<Log> log;
  std::unique_ptr<Engine> engine;
  bool exactly_once = false;
};
// Connects to o.bootstrap_servers (processing.guarantee from o.properties) and resumes.
Result<KafkaSession> OpenKafkaSession(const CommonOptions& o, std::unique_ptr<StateDb> db = nullptr);

}  // namespace eddy
