#pragma once
// Log: topics and partitions of serialized records. The engine reads its inputs from a Log and
// writes its outputs to it, and cannot tell which implementation it runs on: MemoryLog (the
// test driver), the embedded durable log, or Kafka.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/common/record.h"
#include "engine/common/status.h"

namespace eddy {

class Log {
 public:
  virtual ~Log() = default;
  // Creates the topic if it does not exist; an existing topic keeps its partitions.
  virtual Status CreateTopic(const std::string& topic, int partitions) = 0;
  virtual bool HasTopic(const std::string& topic) const = 0;
  virtual int Partitions(const std::string& topic) const = 0;
  // Appends to record.partition (set by the caller); sets record.offset. Creates a missing
  // topic with one partition.
  virtual Status Append(const std::string& topic, RawRecord& record) = 0;
  // Reads up to `max` records of one partition from `offset` on, appending them to `out`.
  virtual Status Read(const std::string& topic, int partition, int64_t offset, size_t max,
                      std::vector<RawRecord>& out) const = 0;
  // The offset the next appended record of the partition gets.
  virtual int64_t EndOffset(const std::string& topic, int partition) const = 0;
  virtual std::vector<std::string> Topics() const = 0;
};

}  // namespace eddy
