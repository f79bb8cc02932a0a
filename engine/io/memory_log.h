#pragma once
// MemoryLog: a Log held in memory, for the deterministic test driver. Not durable.
#include <map>

#include "engine/io/log.h"

namespace eddy {

class MemoryLog final : public Log {
 public:
  Status CreateTopic(const std::string& topic, int partitions) override;
  bool HasTopic(const std::string& topic) const override { return topics_.count(topic) > 0; }
  int Partitions(const std::string& topic) const override;
  Status Append(const std::string& topic, RawRecord& record) override;
  Status Read(const std::string& topic, int partition, int64_t offset, size_t max,
              std::vector<RawRecord>& out) const override;
  int64_t EndOffset(const std::string& topic, int partition) const override;
  std::vector<std::string> Topics() const override;
  Status DeleteTopic(const std::string& topic) override {
    topics_.erase(topic);
    return Status::Ok();
  }

 private:
  std::map<std::string, std::vector<std::vector<RawRecord>>> topics_;
};

}  // namespace eddy
