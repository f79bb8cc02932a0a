#include "engine/cli/session.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "engine/io/kafka_log.h"

namespace eddy {

FlagResult ParseCommonFlag(const std::vector<std::string>& args, size_t& i, CommonOptions& o, std::string* error) {
  const std::string& a = args[i];
  std::string flag = a.substr(0, a.find('='));
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
  std::string v;
  if (flag == "--state-dir") {
    if (!value(&o.state_dir)) return *error = "--state-dir needs a directory", FlagResult::kError;
    o.explicit_state = true;
  } else if (flag == "--config") {
    if (!value(&o.config)) return *error = "--config needs a file", FlagResult::kError;
  } else if (flag == "--set") {
    if (!value(&v) || v.find('=') == std::string::npos) return *error = "--set needs KEY=VALUE", FlagResult::kError;
    std::string key = v.substr(0, v.find('='));
    if (key.rfind("kafka.", 0) == 0) o.kafka[key.substr(6)] = v.substr(v.find('=') + 1);
    else o.properties[key] = v.substr(v.find('=') + 1);
  } else if (flag == "--output") {
    if (!value(&v) || (v != "table" && v != "json")) return *error = "--output is table or json", FlagResult::kError;
    o.output = v == "json" ? OutputFormat::kJson : OutputFormat::kTable;
    o.explicit_output = true;
  } else if (flag == "--bootstrap-servers" || flag == "--bootstrap-server") {
    if (!value(&o.bootstrap_servers)) return *error = "--bootstrap-servers needs HOST:PORT", FlagResult::kError;
    o.explicit_servers = true;
  } else if (flag == "--service-id") {
    if (!value(&o.service_id)) return *error = "--service-id needs an id", FlagResult::kError;
    o.explicit_service = true;
  } else {
    return FlagResult::kNotCommon;
  }
  return FlagResult::kConsumed;
}

Status ApplyConfig(CommonOptions& o) {
  if (o.config.empty() && std::filesystem::exists("eddy.yaml")) o.config = "eddy.yaml";
  if (o.config.empty()) return ApplyStateProperties(o);
  const std::string& path = o.config;
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap() && !root.IsNull()) return Status::Invalid(fmt::format("{}: expected a map of settings", path));
    if (root["state-dir"] && !o.explicit_state) o.state_dir = root["state-dir"].as<std::string>();
    if (root["bootstrap-servers"] && !o.explicit_servers) o.bootstrap_servers = root["bootstrap-servers"].as<std::string>();
    if (root["service-id"] && !o.explicit_service) o.service_id = root["service-id"].as<std::string>();
    if (root["output"] && !o.explicit_output)
      o.output = root["output"].as<std::string>() == "json" ? OutputFormat::kJson : OutputFormat::kTable;
    if (YAML::Node kafka = root["kafka"]) {
      if (!kafka.IsMap()) return Status::Invalid(fmt::format("{}: 'kafka' must be a map of librdkafka settings", path));
      for (const auto& kv : kafka) {
        std::string k = kv.first.as<std::string>();
        if (!o.kafka.count(k)) o.kafka[k] = kv.second.as<std::string>();
      }
    }
    if (YAML::Node state = root["state"]) {
      if (!state.IsMap()) return Status::Invalid(fmt::format("{}: 'state' must be a map of sizes", path));
      for (const auto& kv : state) {
        Status st = SetStateOption(kv.first.as<std::string>(), kv.second.as<std::string>(), o.state);
        if (!st.ok()) return Status::Invalid(fmt::format("{}: {}", path, st.message()));
      }
    }
    if (YAML::Node props = root["properties"]) {
      if (!props.IsMap()) return Status::Invalid(fmt::format("{}: 'properties' must be a map", path));
      for (const auto& kv : props) {
        std::string k = kv.first.as<std::string>();
        if (k.rfind("kafka.", 0) == 0) {
          if (!o.kafka.count(k.substr(6))) o.kafka[k.substr(6)] = kv.second.as<std::string>();
        } else if (!o.properties.count(k)) {
          o.properties[k] = kv.second.as<std::string>();
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::Invalid(fmt::format("{}: {}", path, e.what()));
  }
  return ApplyStateProperties(o);
}

Status ApplyStateProperties(CommonOptions& o) {
  for (const char* key : {"ksql.plugins.rocksdb.cache.size", "ksql.streams.cache.max.bytes.buffering",
                          "ksql.streams.statestore.cache.max.bytes"}) {
    auto it = o.properties.find(key);
    if (it != o.properties.end()) RETURN_IF_ERROR(SetStateOption(key, it->second, o.state));
  }
  return Status::Ok();
}

namespace {

// The state directory's database, `db` when one is open already.
Result<std::unique_ptr<StateDb>> OpenStateDir(const CommonOptions& o, std::unique_ptr<StateDb> db) {
  if (db) return db;
  std::filesystem::path db_path = std::filesystem::path(o.state_dir) / "db";
  std::error_code ec;
  std::filesystem::create_directories(db_path, ec);
  return StateDb::Open(db_path.string(), o.state);
}

// This instance's id, kept in the state directory: instances of one service each have a
// transactional id of their own (a restarted one keeps its id and fences its earlier self).
std::string InstanceId(const CommonOptions& o) {
  std::filesystem::path path = std::filesystem::path(o.state_dir) / "instance-id";
  std::string id;
  if (std::ifstream in(path); in) std::getline(in, id);
  if (id.empty()) {
    std::random_device rd;
    id = fmt::format("{:08x}{:08x}", rd(), rd());
    std::ofstream(path) << id << "\n";
  }
  return id;
}

// What a service's engine runs with: keyed partitioning, the wall clock, the properties.
EngineOptions ServiceOptions(const CommonOptions& o, Log* log, StateDb* db) {
  EngineOptions eo;
  eo.log = log;
  eo.db = db;
  eo.single_partition = false;
  eo.properties = o.properties;
  eo.now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  return eo;
}

}  // namespace

Result<EmbeddedSession> OpenEmbeddedSession(const CommonOptions& o, std::unique_ptr<StateDb> db) {
  EmbeddedSession s;
  ASSIGN_OR_RETURN(s.db, OpenStateDir(o, std::move(db)));
  ASSIGN_OR_RETURN(s.log, EmbeddedLog::Open(s.db.get(), (std::filesystem::path(o.state_dir) / "log").string()));
  ASSIGN_OR_RETURN(s.engine, Engine::Open(ServiceOptions(o, s.log.get(), s.db.get())));
  return s;
}

Result<KafkaSession> OpenKafkaSession(const CommonOptions& o, std::unique_ptr<StateDb> db) {
  KafkaSession s;
  std::string guarantee = "at_least_once";
  for (const char* key : {"processing.guarantee", "ksql.streams.processing.guarantee"}) {
    auto it = o.properties.find(key);
    if (it != o.properties.end()) guarantee = it->second;
  }
  if (guarantee == "exactly_once_v2" || guarantee == "exactly_once") s.exactly_once = true;
  else if (guarantee != "at_least_once")
    return Status::Invalid(fmt::format("processing.guarantee is at_least_once or exactly_once_v2, not '{}'", guarantee));
  ASSIGN_OR_RETURN(s.db, OpenStateDir(o, std::move(db)));
  KafkaSettings ks;
  ks.client = o.kafka;
  if (!o.bootstrap_servers.empty()) ks.client["bootstrap.servers"] = o.bootstrap_servers;
  if (!ks.client.count("client.id")) ks.client["client.id"] = "eddy-" + o.service_id;
  // ksqlDB's names: _confluent-ksql-<service id>query_<query id> for groups and changelogs.
  std::string prefix = "_confluent-ksql-" + o.service_id + "query_";
  if (s.exactly_once) ks.transactional_id = "_confluent-ksql-" + o.service_id + "-eddy-" + InstanceId(o);
  ASSIGN_OR_RETURN(std::unique_ptr<KafkaLog> log, KafkaLog::Open(std::move(ks)));
  s.log = std::move(log);
  EngineOptions eo = ServiceOptions(o, s.log.get(), s.db.get());
  eo.group_prefix = prefix;
  eo.changelog_prefix = prefix;
  eo.command_topic = "_confluent-ksql-" + o.service_id + "_command_topic";
  eo.instance_id = InstanceId(o);
  ASSIGN_OR_RETURN(s.engine, Engine::Open(eo));
  return s;
}

}  // namespace eddy
