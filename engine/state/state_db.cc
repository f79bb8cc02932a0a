#include "engine/state/state_db.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <vector>

namespace eddy {

namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

// A store's cache holds at most this many entries and about this many bytes of keys and values.
constexpr size_t kCacheEntries = 100000;
constexpr size_t kCacheBytes = 64 << 20;

}  // namespace

// A store: its column family, read through the pending batch, with a cache in front (as Kafka
// Streams puts a record cache in front of its RocksDB stores). Gets of keys read or written
// lately are answered from the cache; puts and deletes stay in it until the next commit, a scan
// of the store, or the cache filling up, when they go to the indexed batch. The cache is bounded:
// full, it is written back and emptied.
class StateDb::RocksKvStore final : public KvStore {
 public:
  RocksKvStore(std::string name, StateDb* owner, rocksdb::ColumnFamilyHandle* cf)
      : KvStore(std::move(name)), owner_(owner), cf_(cf) {}

  Result<bool> Get(std::string_view key, std::string* value) override {
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (!it->second.value) return false;
      value->assign(*it->second.value);
      return true;
    }
    rocksdb::PinnableSlice slice;
    rocksdb::Slice k(key.data(), key.size());
    rocksdb::Status s = owner_->batch_->GetFromBatchAndDB(owner_->db_, rocksdb::ReadOptions(), cf_, k, &slice);
    if (!s.ok() && !s.IsNotFound()) return Status::IoError(fmt::format("state store {}: {}", name(), s.ToString()));
    RETURN_IF_ERROR(MakeRoom());
    Entry& e = cache_[std::string(key)];
    bytes_ += key.size();
    if (s.IsNotFound()) return false;
    e.value.emplace(slice.data(), slice.size());
    bytes_ += slice.size();
    value->assign(slice.data(), slice.size());
    return true;
  }
  Status Put(std::string_view key, std::string_view value) override { return Set(key, &value); }
  Status Delete(std::string_view key) override { return Set(key, nullptr); }
  Status Scan(const std::function<bool(std::string_view, std::string_view)>& fn, std::string_view start) override {
    RETURN_IF_ERROR(Flush());
    std::unique_ptr<rocksdb::Iterator> it = NewIterator();
    if (start.empty()) it->SeekToFirst();
    else it->Seek(rocksdb::Slice(start.data(), start.size()));
    for (; it->Valid(); it->Next()) {
      if (!fn(std::string_view(it->key().data(), it->key().size()),
              std::string_view(it->value().data(), it->value().size())))
        break;
    }
    if (!it->status().ok()) return Status::IoError(fmt::format("state store {}: {}", name(), it->status().ToString()));
    return Status::Ok();
  }
  Result<bool> LastBefore(std::string_view upper, std::string* key) override {
    RETURN_IF_ERROR(Flush());
    std::unique_ptr<rocksdb::Iterator> it = NewIterator();
    it->SeekForPrev(rocksdb::Slice(upper.data(), upper.size()));
    // SeekForPrev lands on `upper` itself when it exists; step below it.
    if (it->Valid() && it->key().compare(rocksdb::Slice(upper.data(), upper.size())) >= 0) it->Prev();
    if (!it->status().ok()) return Status::IoError(fmt::format("state store {}: {}", name(), it->status().ToString()));
    if (!it->Valid()) return false;
    key->assign(it->key().data(), it->key().size());
    return true;
  }

  // Writes the cache's changes to the indexed batch; the entries stay, as clean ones.
  Status Flush() {
    for (auto* entry : dirty_) {
      const std::string& key = entry->first;
      Entry& e = entry->second;
      rocksdb::Slice k(key.data(), key.size());
      rocksdb::Status s = e.value ? owner_->batch_->Put(cf_, k, rocksdb::Slice(e.value->data(), e.value->size()))
                                  : owner_->batch_->Delete(cf_, k);
      if (!s.ok()) return Status::IoError(fmt::format("state store {}: {}", name(), s.ToString()));
      e.dirty = false;
    }
    dirty_.clear();
    return Status::Ok();
  }
  size_t dirty() const { return dirty_.size(); }

 private:
  struct Entry {
    std::optional<std::string> value;  // nullopt: absent (or deleted)
    bool dirty = false;
  };

  Status Set(std::string_view key, const std::string_view* value) {
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      RETURN_IF_ERROR(MakeRoom());
      it = cache_.emplace(std::string(key), Entry{}).first;
      bytes_ += key.size();
    }
    Entry& e = it->second;
    if (e.value) bytes_ -= e.value->size();
    if (value) {
      if (e.value) e.value->assign(value->data(), value->size());
      else e.value.emplace(*value);
      bytes_ += value->size();
    } else {
      e.value.reset();
    }
    if (!e.dirty) dirty_.push_back(&*it);
    e.dirty = true;
    return Status::Ok();
  }
  // A full cache is written back and emptied before a new entry goes in.
  Status MakeRoom() {
    if (cache_.size() < kCacheEntries && bytes_ < kCacheBytes) return Status::Ok();
    RETURN_IF_ERROR(Flush());
    cache_.clear();
    bytes_ = 0;
    return Status::Ok();
  }
  // The committed data merged with the pending writes (the cache written back first).
  std::unique_ptr<rocksdb::Iterator> NewIterator() {
    std::unique_ptr<rocksdb::Iterator> base(owner_->db_->NewIterator(rocksdb::ReadOptions(), cf_));
    return std::unique_ptr<rocksdb::Iterator>(owner_->batch_->NewIteratorWithBase(cf_, base.release()));
  }

  StateDb* owner_;
  rocksdb::ColumnFamilyHandle* cf_;
  using Cache = std::unordered_map<std::string, Entry, StringHash, std::equal_to<>>;
  Cache cache_;
  size_t bytes_ = 0;
  std::vector<Cache::value_type*> dirty_;  // the entries changed since the last flush (stable pointers)
};

Result<std::unique_ptr<StateDb>> StateDb::Open(const std::string& path, const StateDbOptions& options) {
  std::unique_ptr<StateDb> db(new StateDb());
  rocksdb::Options opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  // No compression, as Kafka Streams configures its stores: state and log records are read
  // back soon, and compressing them cost a stateless query about a twentieth of its time.
  opts.compression = rocksdb::kNoCompression;
  if (options.in_memory) {
    db->env_.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    opts.env = db->env_.get();
  }
  if (options.write_buffer_bytes) opts.write_buffer_size = options.write_buffer_bytes;
  if (options.block_cache_bytes) {
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
    opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  }
  // Reopen with every column family the database already has.
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(opts, path, &names);
  if (!s.ok()) names = {rocksdb::kDefaultColumnFamilyName};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions(opts));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  s = rocksdb::DB::Open(rocksdb::DBOptions(opts), path, descriptors, &handles, &db->db_);
  if (!s.ok()) return Status::IoError(fmt::format("cannot open state at {}: {}", path, s.ToString()));
  for (size_t i = 0; i < names.size(); ++i) db->handles_[names[i]] = handles[i];
  db->batch_ = std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0, true);
  db->cf_options_ = std::make_unique<rocksdb::ColumnFamilyOptions>(opts);
  if (!options.in_memory) RETURN_IF_ERROR(db->CheckMarker(path, names));
  return db;
}

// A state directory is eddy's when its default column family holds kMarkerKey = kMarker. A new
// database gets the marker; so does one an eddy from before the marker wrote (it has eddy's
// catalog store). Anything else is some other program's RocksDB database: never read or
// written, as a wrong `--state-dir` must not be taken for eddy's state and changed.
Status StateDb::CheckMarker(const std::string& path, const std::vector<std::string>& column_families) {
  static constexpr std::string_view kMarkerKey = "eddy.state-format";
  static constexpr std::string_view kMarker = "eddy state 1";
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(kMarkerKey.data(), kMarkerKey.size()), &value);
  if (s.ok()) {
    if (value == kMarker) return Status::Ok();
    return Status::Invalid(fmt::format("{} holds eddy state of another format ('{}', this eddy reads '{}'); "
                                       "not opened", path, value, kMarker));
  }
  if (!s.IsNotFound()) return Status::IoError(fmt::format("cannot read state at {}: {}", path, s.ToString()));
  const bool eddy_before_marker =
      std::find(column_families.begin(), column_families.end(), "engine.statements") != column_families.end();
  bool empty = column_families.size() <= 1;
  if (empty) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    it->SeekToFirst();
    empty = !it->Valid();
  }
  if (!empty && !eddy_before_marker) {
    return Status::Invalid(fmt::format("{} is a RocksDB database that eddy did not write (no eddy marker); not "
                                       "opened: give --state-dir a new or an eddy state directory", path));
  }
  s = db_->Put(rocksdb::WriteOptions(), rocksdb::Slice(kMarkerKey.data(), kMarkerKey.size()),
               rocksdb::Slice(kMarker.data(), kMarker.size()));
  if (!s.ok()) return Status::IoError(fmt::format("cannot write state at {}: {}", path, s.ToString()));
  return Status::Ok();
}

StateDb::~StateDb() {
  stores_.clear();
  if (db_) {
    for (auto& [name, h] : handles_) db_->DestroyColumnFamilyHandle(h);
    delete db_;
  }
}

Result<KvStore*> StateDb::Store(const std::string& name) {
  auto it = stores_.find(name);
  if (it != stores_.end()) return static_cast<KvStore*>(it->second.get());
  rocksdb::ColumnFamilyHandle* cf;
  auto h = handles_.find(name);
  if (h != handles_.end()) {
    cf = h->second;
  } else {
    rocksdb::Status s = db_->CreateColumnFamily(*cf_options_, name, &cf);
    if (!s.ok()) return Status::IoError(fmt::format("cannot create state store {}: {}", name, s.ToString()));
    handles_[name] = cf;
  }
  auto store = std::make_unique<RocksKvStore>(name, this, cf);
  KvStore* raw = store.get();
  stores_[name] = std::move(store);
  return raw;
}

StateDb::Size StateDb::EstimateSize(const std::string& name) const {
  Size size;
  auto h = handles_.find(name);
  if (h == handles_.end()) return size;
  uint64_t v = 0;
  if (db_->GetIntProperty(h->second, rocksdb::DB::Properties::kEstimateNumKeys, &v)) size.keys = v;
  if (db_->GetIntProperty(h->second, rocksdb::DB::Properties::kTotalSstFilesSize, &v)) size.bytes += v;
  if (db_->GetIntProperty(h->second, rocksdb::DB::Properties::kCurSizeAllMemTables, &v)) size.bytes += v;
  return size;
}

size_t StateDb::pending_writes() const {
  size_t n = batch_->GetWriteBatch()->Count();
  for (const auto& [name, store] : stores_) n += store->dirty();
  return n;
}

std::vector<std::string> StateDb::StoreNames() const {
  std::vector<std::string> out;
  for (const auto& [name, h] : handles_)
    if (name != rocksdb::kDefaultColumnFamilyName) out.push_back(name);
  return out;
}

Status StateDb::ForEachPending(const std::string& name,
                               const std::function<Status(std::string_view, const std::string_view*)>& fn) {
  auto h = handles_.find(name);
  if (h == handles_.end()) return Status::Ok();
  if (auto st = stores_.find(name); st != stores_.end()) RETURN_IF_ERROR(st->second->Flush());
  if (batch_->GetWriteBatch()->Count() == 0) return Status::Ok();
  std::unique_ptr<rocksdb::WBWIIterator> it(batch_->NewIterator(h->second));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    rocksdb::WriteEntry e = it->Entry();
    std::string_view key(e.key.data(), e.key.size());
    if (e.type == rocksdb::kPutRecord) {
      std::string_view value(e.value.data(), e.value.size());
      RETURN_IF_ERROR(fn(key, &value));
    } else if (e.type == rocksdb::kDeleteRecord || e.type == rocksdb::kSingleDeleteRecord) {
      RETURN_IF_ERROR(fn(key, nullptr));
    }
  }
  if (!it->status().ok()) return Status::IoError(fmt::format("state store {}: {}", name, it->status().ToString()));
  return Status::Ok();
}

Status StateDb::Commit() {
  for (const auto& fn : before_commit_) RETURN_IF_ERROR(fn());
  for (const auto& [name, store] : stores_) RETURN_IF_ERROR(store->Flush());
  if (batch_->GetWriteBatch()->Count() == 0) return Status::Ok();
  // The batch holds every write since the last commit; a store's key updated for each record
  // (an aggregate's row) is in it many times. What is written is the last write of each key, in
  // key order per store: fewer and ordered memtable inserts, where these cost a stateful query
  // about a third of its time.
  rocksdb::WriteBatch latest;
  for (const auto& [name, store] : stores_) {
    rocksdb::ColumnFamilyHandle* cf = handles_.at(name);
    std::unique_ptr<rocksdb::WBWIIterator> it(batch_->NewIterator(cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      rocksdb::WriteEntry e = it->Entry();
      rocksdb::Status s;
      if (e.type == rocksdb::kPutRecord) s = latest.Put(cf, e.key, e.value);
      else if (e.type == rocksdb::kDeleteRecord || e.type == rocksdb::kSingleDeleteRecord) s = latest.Delete(cf, e.key);
      else s = rocksdb::Status::NotSupported("a pending write of an unexpected kind");
      if (!s.ok()) return Status::IoError(fmt::format("state commit failed: {}", s.ToString()));
    }
    if (!it->status().ok()) return Status::IoError(fmt::format("state commit failed: {}", it->status().ToString()));
  }
  // Not synced: a killed process loses nothing RocksDB's write-ahead log holds; only a machine
  // crash can lose the last commits.
  rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &latest);
  if (!s.ok()) return Status::IoError(fmt::format("state commit failed: {}", s.ToString()));
  batch_->Clear();
  for (const auto& fn : on_commit_) fn();
  return Status::Ok();
}

}  // namespace eddy
