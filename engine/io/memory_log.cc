#include "engine/io/memory_log.h"

#include <fmt/format.h>

namespace eddy {

Status MemoryLog::CreateTopic(const std::string& topic, int partitions) {
  auto& parts = topics_[topic];
  if (parts.empty()) parts.resize(static_cast<size_t>(std::max(1, partitions)));
  return Status::Ok();
}

int MemoryLog::Partitions(const std::string& topic) const {
  auto it = topics_.find(topic);
  return it == topics_.end() ? 0 : static_cast<int>(it->second.size());
}

Status MemoryLog::Append(const std::string& topic, RawRecord& record) {
  auto& parts = topics_[topic];
  if (parts.empty()) parts.resize(1);
  if (record.partition < 0 || static_cast<size_t>(record.partition) >= parts.size())
    return Status::Invalid(fmt::format("topic {} has no partition {}", topic, record.partition));
  auto& p = parts[static_cast<size_t>(record.partition)];
  record.offset = static_cast<int64_t>(p.size());
  p.push_back(record);
  return Status::Ok();
}

Status MemoryLog::Read(const std::string& topic, int partition, int64_t offset, size_t max,
                       std::vector<RawRecord>& out) const {
  auto it = topics_.find(topic);
  if (it == topics_.end() || partition < 0 || static_cast<size_t>(partition) >= it->second.size()) return Status::Ok();
  const auto& p = it->second[static_cast<size_t>(partition)];
  for (size_t i = static_cast<size_t>(offset); i < p.size() && max > 0; ++i, --max) out.push_back(p[i]);
  return Status::Ok();
}

int64_t MemoryLog::EndOffset(const std::string& topic, int partition) const {
  auto it = topics_.find(topic);
  if (it == topics_.end() || partition < 0 || static_cast<size_t>(partition) >= it->second.size()) return 0;
  return static_cast<int64_t>(it->second[static_cast<size_t>(partition)].size());
}

std::vector<std::string> MemoryLog::Topics() const {
  std::vector<std::string> out;
  for (const auto& [name, parts] : topics_) out.push_back(name);
  return out;
}

}  // namespace eddy
