#include "engine/cli/run_command.h"

#include <fmt/format.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "engine/cli/record_json.h"
#include "engine/cli/row_printer.h"
#include "engine/io/embedded_log.h"
#include "engine/io/memory_log.h"
#include "engine/runtime/engine.h"

namespace eddy {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRunUsage = R"(usage: eddy run [options] FILE.sql...

Checks every statement of every file (nothing starts if one fails), then runs them: streams and
tables are created, persistent queries start from the earliest offset of their inputs, SELECTs
print their rows on stdout. Prints "eddy: ready" on stderr once every query is running.
Restarting with the same state directory resumes where the last run stopped.

options:
  --state-dir DIR          state, the embedded log and the catalog (default ./.eddy)
  --config FILE            settings as YAML (default ./eddy.yaml if present); flags win
  --set KEY=VALUE          a property, as SET does (repeatable)
  --input TOPIC=FILE       append the records of a JSON Lines file to TOPIC before starting;
                           one object a line: {"key": ..., "value": ..., "timestamp": ...}
  --follow NAME            print every change of a stream or table (repeatable)
  --output table|json      how rows are printed (default table)
  --once                   exit once all input present at start is processed
  --bootstrap-servers H:P  use Kafka instead of the embedded log (not supported yet)
  --service-id ID          names the service's internal topics (default eddy)
  --help                   this text

eddy.yaml keys: state-dir, bootstrap-servers, service-id, output, and properties (a map).
Exit codes: 0 success, 1 a statement failed, 2 bad usage.
)";

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

struct RunOptions {
  std::vector<std::string> files;
  std::string state_dir = ".eddy";
  std::string config;
  std::map<std::string, std::string> properties;
  std::vector<std::pair<std::string, std::string>> inputs;
  std::vector<std::string> follows;
  OutputFormat output = OutputFormat::kTable;
  bool once = false;
  std::string bootstrap_servers;
  std::string service_id = "eddy";
};

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(fmt::format("{}: cannot read the file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Positioned(const std::string& file, const Status& st) {
  if (st.pos().known()) return fmt::format("{}:{}:{}: {}", file, st.pos().line, st.pos().column, st.message());
  return fmt::format("{}: {}", file, st.message());
}

// Applies eddy.yaml; `explicit_*` says which settings the command line gave (they win).
Status LoadConfig(const std::string& path, RunOptions& o, bool explicit_state, bool explicit_output,
                  bool explicit_servers, bool explicit_service) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap() && !root.IsNull()) return Status::Invalid(fmt::format("{}: expected a map of settings", path));
    if (root["state-dir"] && !explicit_state) o.state_dir = root["state-dir"].as<std::string>();
    if (root["bootstrap-servers"] && !explicit_servers) o.bootstrap_servers = root["bootstrap-servers"].as<std::string>();
    if (root["service-id"] && !explicit_service) o.service_id = root["service-id"].as<std::string>();
    if (root["output"] && !explicit_output)
      o.output = root["output"].as<std::string>() == "json" ? OutputFormat::kJson : OutputFormat::kTable;
    if (YAML::Node props = root["properties"]) {
      if (!props.IsMap()) return Status::Invalid(fmt::format("{}: 'properties' must be a map", path));
      for (const auto& kv : props) {
        std::string k = kv.first.as<std::string>();
        if (!o.properties.count(k)) o.properties[k] = kv.second.as<std::string>();
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::Invalid(fmt::format("{}: {}", path, e.what()));
  }
  return Status::Ok();
}

int Usage(const std::string& msg) {
  std::cerr << "eddy run: " << msg << "\n" << kRunUsage;
  return 2;
}

Status AppendInput(Engine& engine, const std::string& topic, const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IoError(fmt::format("--input {}: cannot read the file", path));
  const SourceDef* def = SourceForTopic(engine.catalog(), topic);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Result<JsonValue> j = ParseJson(line);
    if (!j.ok()) return Status::Invalid(fmt::format("{}:{}: {}", path, lineno, j.status().message()));
    Result<RawRecord> r = JsonToRawRecord(j.value(), def);
    if (!r.ok()) return Status::Invalid(fmt::format("{}:{}: {}", path, lineno, r.status().message()));
    RETURN_IF_ERROR(engine.Produce(topic, std::move(r).value()));
  }
  return Status::Ok();
}

}  // namespace

int RunRunCommand(const std::vector<std::string>& args) {
  RunOptions o;
  bool explicit_state = false, explicit_output = false, explicit_servers = false, explicit_service = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) -> bool {
      size_t eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
        *out = a.substr(eq + 1);
        return true;
      }
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string flag = a.substr(0, a.find('='));
    std::string v;
    if (a == "--help" || a == "-h") {
      std::cout << kRunUsage;
      return 0;
    } else if (a == "--once") {
      o.once = true;
    } else if (flag == "--state-dir") {
      if (!value(&o.state_dir)) return Usage("--state-dir needs a directory");
      explicit_state = true;
    } else if (flag == "--config") {
      if (!value(&o.config)) return Usage("--config needs a file");
    } else if (flag == "--set") {
      if (!value(&v) || v.find('=') == std::string::npos) return Usage("--set needs KEY=VALUE");
      o.properties[v.substr(0, v.find('='))] = v.substr(v.find('=') + 1);
    } else if (flag == "--input") {
      if (!value(&v) || v.find('=') == std::string::npos) return Usage("--input needs TOPIC=FILE");
      o.inputs.emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
    } else if (flag == "--follow") {
      if (!value(&v)) return Usage("--follow needs a stream or table name");
      o.follows.push_back(v);
    } else if (flag == "--output") {
      if (!value(&v) || (v != "table" && v != "json")) return Usage("--output is table or json");
      o.output = v == "json" ? OutputFormat::kJson : OutputFormat::kTable;
      explicit_output = true;
    } else if (flag == "--bootstrap-servers" || flag == "--bootstrap-server") {
      if (!value(&o.bootstrap_servers)) return Usage("--bootstrap-servers needs HOST:PORT");
      explicit_servers = true;
    } else if (flag == "--service-id") {
      if (!value(&o.service_id)) return Usage("--service-id needs an id");
      explicit_service = true;
    } else if (!a.empty() && a[0] == '-') {
      return Usage("unknown option " + a);
    } else {
      o.files.push_back(a);
    }
  }
  if (o.config.empty() && fs::exists("eddy.yaml")) o.config = "eddy.yaml";
  if (!o.config.empty()) {
    Status st = LoadConfig(o.config, o, explicit_state, explicit_output, explicit_servers, explicit_service);
    if (!st.ok()) {
      std::cerr << "eddy run: " << st.message() << "\n";
      return 2;
    }
  }
  if (o.files.empty() && o.inputs.empty() && o.follows.empty()) return Usage("no query file given");
  if (!o.bootstrap_servers.empty()) {
    std::cerr << "eddy run: Kafka (--bootstrap-servers) is not supported yet; leave it out to use the embedded log\n";
    return 2;
  }

  // 1. Check every statement of every file before anything starts, on a scratch engine that
  //    knows what the state directory already holds.
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& f : o.files) {
    Result<std::string> t = ReadText(f);
    if (!t.ok()) {
      std::cerr << "eddy run: " << t.status().message() << "\n";
      return 1;
    }
    texts.emplace_back(f, t.value());
  }
  fs::path db_path = fs::path(o.state_dir) / "db";
  std::vector<std::string> stored;
  std::unique_ptr<StateDb> db;
  if (fs::exists(db_path)) {
    auto opened = StateDb::Open(db_path.string());
    if (!opened.ok()) {
      std::cerr << "eddy run: " << opened.status().message() << "\n";
      return 1;
    }
    db = std::move(opened).value();
    auto s = Engine::StoredStatements(db.get());
    if (!s.ok()) {
      std::cerr << "eddy run: " << s.status().message() << "\n";
      return 1;
    }
    stored = std::move(s).value();
  }
  {
    MemoryLog scratch_log;
    EngineOptions so;
    so.log = &scratch_log;
    so.properties = o.properties;
    Engine scratch(so);
    Status st = scratch.Seed(stored);
    if (!st.ok()) {
      std::cerr << "eddy run: " << st.message() << "\n";
      return 1;
    }
    for (const auto& [file, text] : texts) {
      st = scratch.ExecuteScript(text, true);
      if (!st.ok()) {
        std::cerr << Positioned(file, st) << "\n";
        return 1;
      }
    }
    for (const auto& name : o.follows) {
      st = scratch.Follow(name);
      if (!st.ok()) {
        std::cerr << "eddy run: " << st.message() << "\n";
        return 1;
      }
    }
  }

  // 2. Open the state directory and run.
  if (!db) {
    std::error_code ec;
    fs::create_directories(db_path, ec);
    auto opened = StateDb::Open(db_path.string());
    if (!opened.ok()) {
      std::cerr << "eddy run: " << opened.status().message() << "\n";
      return 1;
    }
    db = std::move(opened).value();
  }
  auto log = EmbeddedLog::Open(db.get());
  if (!log.ok()) {
    std::cerr << "eddy run: " << log.status().message() << "\n";
    return 1;
  }
  EngineOptions eo;
  eo.log = log.value().get();
  eo.db = db.get();
  eo.single_partition = false;
  eo.properties = o.properties;
  eo.now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  auto engine_or = Engine::Open(eo);
  if (!engine_or.ok()) {
    std::cerr << "eddy run: " << engine_or.status().message() << "\n";
    return 1;
  }
  Engine& engine = *engine_or.value();
  RowPrinter printer(std::cout, o.output);
  engine.set_row_callback([&](const std::string& id, const Schema& schema, const Record& row) {
    printer.Print(id, schema, row);
  });
  engine.processing_log().set_keep(false);
  engine.processing_log().set_sink([](const ProcessingLogEntry& e) {
    std::cerr << fmt::format("eddy: processing log: {}: {} partition {} offset {}: {}\n", e.query_id, e.topic,
                             e.partition, e.offset, e.message);
  });
  for (const auto& [file, text] : texts) {
    Status st = engine.ExecuteScript(text, true);
    if (!st.ok()) {
      std::cerr << Positioned(file, st) << "\n";
      return 1;
    }
  }
  for (const auto& [topic, path] : o.inputs) {
    Status st = AppendInput(engine, topic, path);
    if (!st.ok()) {
      std::cerr << "eddy run: " << st.message() << "\n";
      return 1;
    }
  }
  for (const auto& name : o.follows) {
    Status st = engine.Follow(name);
    if (!st.ok()) {
      std::cerr << "eddy run: " << st.message() << "\n";
      return 1;
    }
  }
  Status st = engine.Commit();
  if (!st.ok()) {
    std::cerr << "eddy run: " << st.message() << "\n";
    return 1;
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  std::cerr << "eddy: ready" << std::endl;
  while (!g_stop.load()) {
    st = engine.RunUntilIdle(&g_stop);
    if (!st.ok()) {
      std::cerr << "eddy run: " << st.message() << "\n";
      return 1;
    }
    if (o.once) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  st = engine.Commit();
  if (!st.ok()) {
    std::cerr << "eddy run: " << st.message() << "\n";
    return 1;
  }
  std::cout.flush();
  return 0;
}

}  // namespace eddy
