#pragma once
// StateDb: the state of one task, one RocksDB database with a column family per store (named
// after the operator's stable id). Writes go to a batch that reads see at once and that
// Commit() writes atomically; a crash between commits loses only uncommitted work, which the
// task replays from its inputs' committed offsets.
#include <map>
#include <memory>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/status.h"
#include "engine/state/kv_store.h"

namespace rocksdb {
class DB;
class Env;
class ColumnFamilyHandle;
struct ColumnFamilyOptions;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace eddy {

struct StateDbOptions {
  // Keep everything in memory (RocksDB's in-memory Env): the test driver's default, where
  // thousands of golden cases each open a fresh database.
  bool in_memory = false;
  // Memory bounds (eddy.yaml's `state:` map, docs/configuration.md); 0: the default.
  // RocksDB's block cache, shared by every store of the database (RocksDB's default otherwise).
  size_t block_cache_bytes = 0;
  // A store's memtable size, and how many memtables a store may hold (RocksDB's 64 MB and 2).
  size_t write_buffer_bytes = 0;
  int max_write_buffers = 0;
  // The memtables of all stores together (a RocksDB WriteBufferManager; unbounded otherwise).
  size_t total_write_buffer_bytes = 0;
  // The cache eddy keeps in front of each store (default 64 MB or 100,000 entries).
  size_t store_cache_bytes = 0;
};
// Reads the `state:` settings (`block-cache`, `write-buffer`, `write-buffers`,
// `total-write-buffer`, `store-cache`, or ksqlDB's `ksql.plugins.rocksdb.cache.size` and
// `ksql.streams.cache.max.bytes.buffering`) into `options`; sizes take a k/m/g suffix.
Status SetStateOption(const std::string& name, const std::string& value, StateDbOptions& options);

class StateDb {
 public:
  static Result<std::unique_ptr<StateDb>> Open(const std::string& path, const StateDbOptions& options = {});
  ~StateDb();
  StateDb(const StateDb&) = delete;
  StateDb& operator=(const StateDb&) = delete;

  // The store named `name`, created on first use.
  Result<KvStore*> Store(const std::string& name);
  // `fn` runs at the start of every Commit(); it may add writes, and its error fails the commit
  // (the embedded log writes its files there).
  void BeforeCommit(std::function<Status()> fn) { before_commit_.push_back(std::move(fn)); }
  // `fn` runs after every Commit() that wrote.
  void OnCommit(std::function<void()> fn) { on_commit_.push_back(std::move(fn)); }
  // Writes every pending change atomically.
  Status Commit();
  // How many writes wait for the next Commit().
  size_t pending_writes() const;
  // Drops every pending write (and what the stores' caches hold): reads see the last Commit()
  // again (Kafka: after an aborted transaction).
  void Discard();
  // RocksDB's estimates for a store (0 for one never opened): keys and bytes on disk and in memory.
  struct Size {
    uint64_t keys = 0;
    uint64_t bytes = 0;
  };
  Size EstimateSize(const std::string& name) const;
  // The names of every store the database holds, in name order.
  std::vector<std::string> StoreNames() const;
  // Visits the pending writes of store `name` in key order, the last one per key; `value` is
  // null for a delete. (Kafka mode writes them to the store's changelog topic.)
  Status ForEachPending(const std::string& name,
                        const std::function<Status(std::string_view key, const std::string_view* value)>& fn);

 private:
  class RocksKvStore;
  StateDb() = default;
  // Refuses a database eddy did not write; marks a new one as eddy's (see state_db.cc).
  Status CheckMarker(const std::string& path, const std::vector<std::string>& column_families);

  std::string path_;  // named in every error
  size_t cache_bytes_ = 0, cache_entries_ = 0;  // each store's cache
  std::unique_ptr<rocksdb::Env> env_;
  rocksdb::DB* db_ = nullptr;
  std::unique_ptr<rocksdb::WriteBatchWithIndex> batch_;
  std::vector<std::function<Status()>> before_commit_;
  std::vector<std::function<void()>> on_commit_;
  std::map<std::string, std::unique_ptr<RocksKvStore>> stores_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::ColumnFamilyOptions> cf_options_;
};

}  // namespace eddy
