#pragma once
// EmbeddedLog: topics and partitions kept durably in the state directory, for running without
// a broker. Each partition is an append-only file of length-prefixed records under
// `<state dir>/log/`, as a Kafka broker keeps its logs; the state database holds, per
// partition, how many records and bytes of that file are committed.
//
// Appends are held in memory until StateDb::Commit(): just before the database write the new
// bytes go to the partition files, and the write that commits the queries' state and input
// offsets also commits the files' new lengths. After a crash, bytes past the committed length
// are cut off when the log reopens: nothing committed is lost and nothing is done twice.
// Records not committed yet are read back from memory (the next query of a chain reads what the
// previous one wrote); committed ones are read from the file through a sparse index (the file
// position of every 32nd record, kept in a `.idx` file beside the log). A record is written in
// format version 1 (timestamp, window, key, value), or version 2 (the same, then its headers)
// when it has headers: files written before headers existed read unchanged.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/io/log.h"
#include "engine/state/state_db.h"

namespace eddy {

class EmbeddedLog final : public Log {
 public:
  // Opens the log kept in `dir` (created if missing) and `db` (which must outlive it).
  static Result<std::unique_ptr<EmbeddedLog>> Open(StateDb* db, const std::string& dir);
  ~EmbeddedLog() override;

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
    std::string path;      // the records; their sparse index is path + ".idx"
    std::string ends_key;  // its entry in the ends store
    int fd = -1;
    int idx_fd = -1;
    int64_t end = 0;        // one past the last record
    int64_t committed = 0;  // one past the last committed record
    uint64_t bytes = 0;     // committed bytes of the file
    std::vector<uint64_t> index;  // file position of record k * kIndexEvery, pending ones included
    size_t index_written = 0;     // entries of `index` the .idx file holds
    std::string pending_bytes;    // records committed .. end-1 as the file will hold them
    std::vector<RawRecord> pending;
    bool dirty = false;
    bool doomed = false;  // its topic was deleted: its files go after the next commit

    ~Partition();
  };
  struct Topic {
    uint64_t generation = 0;  // names its files: a topic deleted and created again gets new ones
    std::vector<std::unique_ptr<Partition>> partitions;
  };
  EmbeddedLog() = default;
  Status OpenPartitions(const std::string& topic, Topic& t, bool fresh);
  Status WritePending();  // before the database commit
  void Committed();       // after it
  const Topic* Find(const std::string& topic) const;
  std::string FileBase(const std::string& topic, uint64_t generation, size_t partition) const;
  Status RemoveOrphans();
  Status MigrateFromDatabase(StateDb* db);

  std::string dir_;
  KvStore* topics_ = nullptr;  // topic -> partitions (BE32), generation (BE64)
  KvStore* ends_ = nullptr;    // topic NUL partition (BE32) -> committed records (BE64), bytes (BE64)
  std::unordered_map<std::string, Topic> topics_by_name_;
  std::vector<std::unique_ptr<Partition>> doomed_;  // of deleted topics: files go after the commit
  uint64_t next_generation_ = 1;
};

}  // namespace eddy
