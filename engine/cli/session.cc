#include "engine/cli/session.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>

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
    o.properties[v.substr(0, v.find('='))] = v.substr(v.find('=') + 1);
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
  if (o.config.empty()) return Status::Ok();
  const std::string& path = o.config;
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap() && !root.IsNull()) return Status::Invalid(fmt::format("{}: expected a map of settings", path));
    if (root["state-dir"] && !o.explicit_state) o.state_dir = root["state-dir"].as<std::string>();
    if (root["bootstrap-servers"] && !o.explicit_servers) o.bootstrap_servers = root["bootstrap-servers"].as<std::string>();
    if (root["service-id"] && !o.explicit_service) o.service_id = root["service-id"].as<std::string>();
    if (root["output"] && !o.explicit_output)
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

Result<EmbeddedSession> OpenEmbeddedSession(const CommonOptions& o, std::unique_ptr<StateDb> db) {
  EmbeddedSession s;
  if (!db) {
    std::filesystem::path db_path = std::filesystem::path(o.state_dir) / "db";
    std::error_code ec;
    std::filesystem::create_directories(db_path, ec);
    ASSIGN_OR_RETURN(db, StateDb::Open(db_path.string()));
  }
  s.db = std::move(db);
  ASSIGN_OR_RETURN(s.log, EmbeddedLog::Open(s.db.get()));
  EngineOptions eo;
  eo.log = s.log.get();
  eo.db = s.db.get();
  eo.single_partition = false;
  eo.properties = o.properties;
  eo.now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  ASSIGN_OR_RETURN(s.engine, Engine::Open(eo));
  return s;
}

}  // namespace eddy
