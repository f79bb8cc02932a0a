#pragma once
// ProcessingLog: where records that cannot be processed go, with the reason and the record's
// position. A bad record never stops a query; it is counted and logged here.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace eddy {

struct ProcessingLogEntry {
  std::string query_id;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string message;
};

class ProcessingLog {
 public:
  void Add(ProcessingLogEntry entry) {
    ++count_;
    ++per_query_[entry.query_id];
    if (sink_) sink_(entry);
    if (keep_) entries_.push_back(std::move(entry));
  }
  // Called for every entry (eddy run prints them to stderr).
  void set_sink(std::function<void(const ProcessingLogEntry&)> sink) { sink_ = std::move(sink); }
  void set_keep(bool keep) { keep_ = keep; }
  const std::vector<ProcessingLogEntry>& entries() const { return entries_; }
  int64_t count() const { return count_; }
  // The entries of one query.
  int64_t count(const std::string& query_id) const {
    auto it = per_query_.find(query_id);
    return it == per_query_.end() ? 0 : it->second;
  }

 private:
  std::function<void(const ProcessingLogEntry&)> sink_;
  std::vector<ProcessingLogEntry> entries_;
  bool keep_ = true;
  int64_t count_ = 0;
  std::map<std::string, int64_t> per_query_;
};

}  // namespace eddy
