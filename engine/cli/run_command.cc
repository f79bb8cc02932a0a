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
#include "engine/cli/session.h"
#include "engine/common/json.h"
#include "engine/io/embedded_log.h"
#include "engine/io/memory_log.h"
#include "engine/runtime/engine.h"
#include "engine/server/api.h"
#include "engine/server/engine_loop.h"
#include "engine/server/http_server.h"

namespace eddy {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRunUsage = R"(usage: eddy run [options] [FILE.sql...]

Checks every statement of every file (nothing starts if one fails), then runs them: streams and
tables are created, persistent queries start from the earliest offset of their inputs, SELECTs
print their rows on stdout. Prints "eddy: ready" on stderr once every query is running.
Restarting with the same state directory resumes where the last run stopped. It serves ksqlDB's
REST API (docs/rest-api.md); without files it starts empty and takes statements there.

options:
  --state-dir DIR          state, the embedded log and the catalog (default ./.eddy)
  --config FILE            settings as YAML (default ./eddy.yaml if present); flags win
  --set KEY=VALUE          a property, as SET does (repeatable)
  --input TOPIC=FILE       append the records of a JSON Lines file to TOPIC before starting;
                           one object a line: {"key": ..., "value": ..., "timestamp": ...}
  --follow NAME            print every change of a stream or table (repeatable)
  --output table|json      how rows are printed (default table)
  --once                   exit once all input present at start is processed
  --bootstrap-servers H:P  run on a Kafka cluster instead of the embedded log
  --service-id ID          names the service's consumer groups, changelog topics, command
                           topic and transactional id on Kafka (default eddy); an instance
                           started with no file resumes the service's statements from its
                           command topic, _confluent-ksql-<ID>_command_topic
  --listen HOST:PORT       serve ksqlDB's REST API there (default 127.0.0.1:8088; when that
                           default port is taken, eddy runs without the API and says so)
  --no-listen              no REST API (the default with --once)
  --help                   this text

eddy.yaml keys: state-dir, bootstrap-servers, service-id, output, properties (a map),
state (memory bounds: block-cache, write-buffer, write-buffers, total-write-buffer, store-cache),
kafka (a map of librdkafka settings: security.protocol, sasl.*, ssl.*, ...; also given as
--set kafka.KEY=VALUE), and server: {listen: HOST:PORT, users: {NAME: PASSWORD, ...}, tls: {cert: FILE, key: FILE}}
(the REST API's address; when users are given, the HTTP basic authentication it requires;
with tls, HTTPS from PEM files, as ksqlDB's listeners=https://... with ssl.keystore.*).
On Kafka, --set processing.guarantee=exactly_once_v2 commits outputs, state changelogs and
input offsets in one transaction (default at_least_once).
Exit codes: 0 success, 1 a statement failed, 2 bad usage.
)";

std::atomic<bool> g_stop{false};
std::atomic<bool>* g_interrupt = nullptr;  // the server's engine loop, woken by a signal too

void OnSignal(int) {
  g_stop.store(true);
  if (g_interrupt) g_interrupt->store(true);
}

struct RunOptions {
  CommonOptions common;
  std::vector<std::string> files;
  std::vector<std::pair<std::string, std::string>> inputs;
  std::vector<std::string> follows;
  bool once = false;
  std::string listen;  // HOST:PORT; empty: the default
  bool no_listen = false;
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

int Usage(const std::string& msg) {
  std::cerr << "eddy run: " << msg << "\n" << kRunUsage;
  return 2;
}

// TLS files from eddy.yaml's server.tls (paths relative to the YAML file's folder).
struct TlsConfig {
  std::string cert, key, key_password;
};

// eddy.yaml's `server` map: `listen` (unless --listen gave one), `users` (basic
// authentication: name -> password; never printed) and `tls` (cert, key, key-password).
Status ReadServerConfig(const std::string& path, std::string* listen, std::map<std::string, std::string>* users,
                        TlsConfig* tls) {
  if (path.empty()) return Status::Ok();
  try {
    YAML::Node server = YAML::LoadFile(path)["server"];
    if (!server) return Status::Ok();
    if (!server.IsMap()) return Status::Invalid(fmt::format("{}: 'server' must be a map (listen, users)", path));
    if (server["listen"] && listen->empty()) *listen = server["listen"].as<std::string>();
    if (YAML::Node u = server["users"]) {
      if (!u.IsMap()) return Status::Invalid(fmt::format("{}: 'server.users' must map user names to passwords", path));
      for (const auto& kv : u) (*users)[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
    if (YAML::Node t = server["tls"]) {
      if (!t.IsMap() || !t["cert"] || !t["key"])
        return Status::Invalid(fmt::format("{}: 'server.tls' needs cert: FILE and key: FILE (PEM)", path));
      auto resolve = [&](const std::string& f) {
        std::filesystem::path p(f);
        return p.is_absolute() ? f : (std::filesystem::path(path).parent_path() / p).string();
      };
      tls->cert = resolve(t["cert"].as<std::string>());
      tls->key = resolve(t["key"].as<std::string>());
      if (t["key-password"]) tls->key_password = t["key-password"].as<std::string>();
    }
  } catch (const YAML::Exception& e) {
    return Status::Invalid(fmt::format("{}: {}", path, e.what()));
  }
  return Status::Ok();
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
    // Committed in chunks, so a large file does not sit in memory as one pending batch.
    if (lineno % 10000 == 0) RETURN_IF_ERROR(engine.Commit());
  }
  return Status::Ok();
}

}  // namespace

int RunRunCommand(const std::vector<std::string>& args) {
  RunOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string error;
    switch (ParseCommonFlag(args, i, o.common, &error)) {
      case FlagResult::kConsumed: continue;
      case FlagResult::kError: return Usage(error);
      case FlagResult::kNotCommon: break;
    }
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
    } else if (a == "--no-listen") {
      o.no_listen = true;
    } else if (flag == "--listen") {
      if (!value(&v) || v.rfind(':') == std::string::npos) return Usage("--listen needs HOST:PORT");
      o.listen = v;
    } else if (flag == "--input") {
      if (!value(&v) || v.find('=') == std::string::npos) return Usage("--input needs TOPIC=FILE");
      o.inputs.emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
    } else if (flag == "--follow") {
      if (!value(&v)) return Usage("--follow needs a stream or table name");
      o.follows.push_back(v);
    } else if (!a.empty() && a[0] == '-') {
      return Usage("unknown option " + a);
    } else {
      o.files.push_back(a);
    }
  }
  // Errors go to stderr in one write each: RocksDB's threads log there too, and a message written
  // in pieces could be split by one of their lines.
  {
    Status st = ApplyConfig(o.common);
    if (!st.ok()) {
      std::cerr << ("eddy run: " + st.message() + "\n");
      return 2;
    }
  }
  std::map<std::string, std::string> users;
  TlsConfig tls;
  {
    Status st = ReadServerConfig(o.common.config, &o.listen, &users, &tls);
    if (!st.ok()) {
      std::cerr << ("eddy run: " + st.message() + "\n");
      return 2;
    }
  }
  if (o.listen.find(':') == std::string::npos && !o.listen.empty()) return Usage("server.listen needs HOST:PORT");
  // Without files, a server waiting for statements over its API (as a ksqlDB server starts), or
  // on Kafka an instance resuming what its service's command topic holds.
  const bool kafka = !o.common.bootstrap_servers.empty() || o.common.kafka.count("bootstrap.servers");
  if (o.files.empty() && o.inputs.empty() && o.follows.empty() && (o.no_listen || o.once) && !kafka)
    return Usage("no query file given");

  // 1. Check every statement of every file before anything starts, on a scratch engine that
  //    knows what the state directory already holds.
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& f : o.files) {
    Result<std::string> t = ReadText(f);
    if (!t.ok()) {
      std::cerr << ("eddy run: " + t.status().message() + "\n");
      return 1;
    }
    texts.emplace_back(f, t.value());
  }
  fs::path db_path = fs::path(o.common.state_dir) / "db";
  std::vector<std::string> stored;
  std::unique_ptr<StateDb> db;
  if (fs::exists(db_path)) {
    auto opened = StateDb::Open(db_path.string(), o.common.state);
    if (!opened.ok()) {
      std::cerr << ("eddy run: " + opened.status().message() + "\n");
      return 1;
    }
    db = std::move(opened).value();
    auto s = Engine::StoredStatements(db.get());
    if (!s.ok()) {
      std::cerr << ("eddy run: " + s.status().message() + "\n");
      return 1;
    }
    stored = std::move(s).value();
  }
  {
    MemoryLog scratch_log;
    EngineOptions so;
    so.log = &scratch_log;
    so.properties = o.common.properties;
    Engine scratch(so);
    Status st = scratch.Seed(stored);
    if (!st.ok()) {
      std::cerr << ("eddy run: " + st.message() + "\n");
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
        std::cerr << ("eddy run: " + st.message() + "\n");
        return 1;
      }
    }
  }

  // 2. Open the state directory and run.
  EmbeddedSession embedded;
  KafkaSession on_kafka;
  if (kafka) {
    auto session = OpenKafkaSession(o.common, std::move(db));
    if (!session.ok()) {
      std::cerr << ("eddy run: " + session.status().message() + "\n");
      return 1;
    }
    on_kafka = std::move(session).value();
  } else {
    auto session = OpenEmbeddedSession(o.common, std::move(db));
    if (!session.ok()) {
      std::cerr << ("eddy run: " + session.status().message() + "\n");
      return 1;
    }
    embedded = std::move(session).value();
  }
  Engine& engine = kafka ? *on_kafka.engine : *embedded.engine;
  // The REST API (engine/server): its connection threads reach the engine through `loop`, which
  // this thread runs between batches. Loopback by default; with --once, only when asked.
  std::unique_ptr<EngineLoop> loop;
  std::unique_ptr<KsqlApi> api;
  std::unique_ptr<HttpServer> server;
  std::string server_note;  // said after "eddy: ready", which stays the first line on stderr
  struct StopServer {  // on every way out: waiting connections answered, then closed
    std::unique_ptr<EngineLoop>& loop;
    std::unique_ptr<HttpServer>& server;
    ~StopServer() {
      g_interrupt = nullptr;
      if (loop) loop->Close();
      if (server) server->Stop();
    }
  } stop_server{loop, server};
  if (!o.no_listen && (!o.once || !o.listen.empty())) {
    HttpServerOptions ho;
    if (!o.listen.empty()) {
      size_t colon = o.listen.rfind(':');
      ho.host = o.listen.substr(0, colon);
      if (ho.host.size() >= 2 && ho.host.front() == '[' && ho.host.back() == ']') ho.host = ho.host.substr(1, ho.host.size() - 2);
      try {
        ho.port = std::stoi(o.listen.substr(colon + 1));
      } catch (...) {
        return Usage("--listen needs HOST:PORT with a port number");
      }
    }
    ho.tls_cert_file = tls.cert;
    ho.tls_key_file = tls.key;
    ho.tls_key_password = tls.key_password;
    server = std::make_unique<HttpServer>(ho);
    Status ls = server->Listen();
    if (!ls.ok() && (!o.listen.empty() || ls.code() != StatusCode::kIoError)) {
      std::cerr << "eddy run: cannot listen on " << ls.message() << "\n";
      return 1;
    }
    if (!ls.ok()) {
      server_note = "eddy: the REST API is off: cannot listen on " + ls.message() +
                    " (give --listen HOST:PORT, or --no-listen)\n";
      server.reset();
    } else {
      loop = std::make_unique<EngineLoop>(engine);
      ApiOptions ao;
      ao.service_id = o.common.service_id;
      ao.kafka_cluster_id = kafka ? "kafka" : "embedded";
      ao.db = kafka ? on_kafka.db.get() : embedded.db.get();
      ao.users = std::move(users);
      // ksqlDB's server setting for push queries at once (default 100): --set or `properties`.
      if (auto it = engine.properties().find("ksql.max.push.queries"); it != engine.properties().end()) {
        char* end = nullptr;
        long n = std::strtol(it->second.c_str(), &end, 10);
        if (end == it->second.c_str() || *end != '\0' || n < 0 || n > 1000000)
          return Usage("ksql.max.push.queries needs a whole number from 0 to 1000000");
        ao.max_push_queries = static_cast<int>(n);
      }
      api = std::make_unique<KsqlApi>(*loop, ao);
    }
  }
  RowPrinter printer(std::cout, o.common.output);
  RowCallback print_row = [&](const std::string& id, const Schema& schema, const Record& row) {
    printer.Print(id, schema, row);
  };
  engine.set_row_callback(loop ? loop->Dispatcher(print_row) : print_row);
  engine.processing_log().set_keep(false);
  // Over Kafka the processing log is also a topic, as ksqlDB's `<service id>ksql_processing_log`:
  // one JSON record per entry, written with the query's outputs (in its transaction under
  // exactly_once_v2).
  std::string log_topic;
  if (kafka) {
    log_topic = o.common.service_id + "ksql_processing_log";
    Status created = engine.log().CreateTopic(log_topic, 1);
    if (!created.ok()) {
      std::cerr << ("eddy run: " + created.message() + "\n");
      return 1;
    }
  }
  engine.processing_log().set_sink([&api, &engine, &log_topic](const ProcessingLogEntry& e) {
    if (api) api->CountProcessingError(e.query_id);
    std::cerr << fmt::format("eddy: processing log: {}: {} partition {} offset {}: {}\n", e.query_id, e.topic,
                             e.partition, e.offset, e.message);
    if (log_topic.empty()) return;
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    std::string value = fmt::format(R"({{"level":"ERROR","time":{},"query":)", now);
    AppendJsonString(e.query_id, value);
    value += R"(,"topic":)";
    AppendJsonString(e.topic, value);
    value += fmt::format(R"(,"partition":{},"offset":{},"message":)", e.partition, e.offset);
    AppendJsonString(e.message, value);
    value += "}";
    RawRecord r;
    r.key.emplace(e.query_id);
    r.value.emplace(std::move(value));
    r.timestamp = now;
    Status st = engine.Produce(log_topic, std::move(r));
    if (!st.ok()) std::cerr << "eddy: cannot write the processing log topic: " << st.message() << "\n";
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
      std::cerr << ("eddy run: " + st.message() + "\n");
      return 1;
    }
  }
  for (const auto& name : o.follows) {
    Status st = engine.Follow(name);
    if (!st.ok()) {
      std::cerr << ("eddy run: " + st.message() + "\n");
      return 1;
    }
  }
  Status st = engine.Commit();
  if (!st.ok()) {
    std::cerr << ("eddy run: " + st.message() + "\n");
    return 1;
  }
  if (loop) g_interrupt = loop->interrupt();
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  if (server) {
    server->Start([&api](const HttpRequest& req, HttpResponse& resp) { api->Handle(req, resp); });
    server_note = fmt::format("eddy: REST API on {}://{}:{}\n", server->tls() ? "https" : "http",
                              server->options().host, server->port());
  }
  std::cerr << "eddy: ready" << std::endl;
  std::cerr << server_note << std::flush;
  // Over Kafka, "idle" can mean records still on their way: --once waits until every input is
  // read to its end twice in a row (the second time after outputs of chained queries are in).
  int caught_up = 0;
  while (!g_stop.load()) {
    if (loop) loop->RunPending();
    st = engine.RunUntilIdle(loop ? loop->interrupt() : &g_stop);
    if (!st.ok()) {
      std::cerr << ("eddy run: " + st.message() + "\n");
      return 1;
    }
    if (o.once && !kafka) break;
    if (o.once) {
      caught_up = engine.CaughtUp() ? caught_up + 1 : 0;
      if (caught_up >= 2) break;
    }
    if (loop) loop->Wait(kafka ? 20 : 100);
    else std::this_thread::sleep_for(std::chrono::milliseconds(kafka ? 20 : 100));
  }
  st = engine.Commit();
  if (!st.ok()) {
    std::cerr << ("eddy run: " + st.message() + "\n");
    return 1;
  }
  std::cout.flush();
  return 0;
}

}  // namespace eddy
