#pragma once
// KvStore: a key-value state store, RocksDB-shaped. A missing key is a normal result.
// Operators own their stores through a StateDb and call them from their task's thread only.
#include <functional>
#include <string>
#include <string_view>

#include "engine/common/status.h"

namespace eddy {

class KvStore {
 public:
  virtual ~KvStore() = default;
  // Reads `key` into *value. Returns false when the key is absent.
  virtual Result<bool> Get(std::string_view key, std::string* value) = 0;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  virtual Status Delete(std::string_view key) = 0;
  // Visits the entries from `start` on (all when empty) in key order, pending writes included.
  // Stops early when fn returns false.
  virtual Status Scan(const std::function<bool(std::string_view key, std::string_view value)>& fn,
                      std::string_view start = {}) = 0;
  // The largest key below `upper` (pending writes included) into *key; false when none.
  virtual Result<bool> LastBefore(std::string_view upper, std::string* key) = 0;
  const std::string& name() const { return name_; }

 protected:
  explicit KvStore(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

}  // namespace eddy
