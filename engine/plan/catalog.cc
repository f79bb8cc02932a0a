#include "engine/plan/catalog.h"

#include <fmt/format.h>

namespace eddy {

const SourceDef* Catalog::FindSource(const std::string& name) const {
  auto it = sources_.find(name);
  return it == sources_.end() ? nullptr : &it->second;
}

Status Catalog::AddSource(SourceDef def, bool or_replace) {
  auto it = sources_.find(def.name);
  if (it != sources_.end() && !or_replace) {
    return Status::Invalid(fmt::format("Cannot add {} '{}': A {} with the same name already exists",
                                       def.is_table ? "table" : "stream", def.name,
                                       it->second.is_table ? "table" : "stream"));
  }
  std::string name = def.name;
  sources_.insert_or_assign(name, std::move(def));
  return Status::Ok();
}

Status Catalog::DropSource(const std::string& name) {
  auto it = sources_.find(name);
  if (it == sources_.end()) return Status::NotFound(fmt::format("Source {} does not exist.", name));
  for (const auto& [id, q] : queries_) {
    for (const auto& s : q.sources) {
      if (s == name && q.sink != name) {
        return Status::Invalid(fmt::format(
            "Cannot drop {}.\nThe following queries read from this source: [{}].\nYou need to terminate them before "
            "dropping {}.", name, id, name));
      }
    }
  }
  // Dropping a C*AS sink terminates the query that writes it.
  if (!it->second.query_id.empty()) queries_.erase(it->second.query_id);
  sources_.erase(it);
  return Status::Ok();
}

std::string Catalog::NextQueryId(const std::string& prefix, const std::string& name) {
  return fmt::format("{}_{}_{}", prefix, name, next_query_++);
}

Status Catalog::AddType(const std::string& name, TypePtr type, bool if_not_exists) {
  auto it = types_.find(name);
  if (it != types_.end()) {
    if (if_not_exists) return Status::Ok();
    return Status::Invalid(fmt::format("Cannot register custom type '{}' since it is already registered with type: {}",
                                       name, it->second->ToString()));
  }
  types_.emplace(name, std::move(type));
  return Status::Ok();
}

Status Catalog::DropType(const std::string& name, bool if_exists) {
  if (types_.erase(name) == 0 && !if_exists) return Status::NotFound(fmt::format("Type {} does not exist.", name));
  return Status::Ok();
}

}  // namespace eddy
