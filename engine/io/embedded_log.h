#pragma once
// EmbeddedLog: topics and partitions kept durably in the engine's own RocksDB database (the
// state directory), for running without a broker. Appends go into the database's pending batch
// with the queries' state and offsets, so one StateDb::Commit() makes a record's processing,
// its outputs and the input offset durable together: after a crash, nothing committed is lost
// and nothing is done twice.
//
// Records appended since the last commit are also kept in memory, in order: reading them back
// (the next query of a chain reads what the previous one wrote) takes no RocksDB lookups, and
// their writes skip the state's indexed batch (StateDb::AppendOnlyStore).
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/io/log.h"
#include "engine/state/state_db.h"

namespace eddy {

class EmbeddedLog final : public Log {
 public:
  // Opens the log inside `db` (which must outlive it), loading topic metadata and end offsets.
  static Result<std::unique_ptr<EmbeddedLog>> Open(StateDb* db);

  Status CreateTopic(const std::string& topic, int partitions) override;
  bool HasTopic(const std::string& topic) const override { return topics_by_name_.count(topic) > 0; }
  int Partitions(const std::string& topic) const override;
  Status Append(const std::string& topic, RawRecord& record) override;
  Status Read(const std::string& topic, int partition, int64_t offset, size_t max,
              std::vector<RawRecord>& out) const override;
  int64_t EndOffset(const std::string& topic, int partition) const override;
  std::vector<std::string> Topics() const override;
  Status DeleteTopic(const std::string& topic) override;

 private:
  struct Partition {
    int64_t end = 0;        // one past the last record
    int64_t committed = 0;  // one past the last committed record
    std::vector<RawRecord> pending;  // offsets committed .. end-1
  };
  EmbeddedLog() = default;
  void Committed();
  const std::vector<Partition>* Find(const std::string& topic) const;

  KvStore* records_ = nullptr;  // "r" + topic + NUL + partition + offset -> record
  KvStore* topics_ = nullptr;   // topic -> partitions
  std::unordered_map<std::string, std::vector<Partition>> topics_by_name_;
};

}  // namespace eddy
