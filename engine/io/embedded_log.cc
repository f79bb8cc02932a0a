#include "engine/io/embedded_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace eddy {
namespace {

constexpr uint8_t kRecordVersion = 1;

void PutBe32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutBe64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetBe(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + static_cast<size_t>(i)]);
  return v;
}

// Big-endian offsets keep a partition's records in offset order under RocksDB's byte order.
std::string RecordKey(const std::string& topic, int partition, int64_t offset) {
  std::string k = topic;
  k.push_back('\0');
  PutBe32(k, static_cast<uint32_t>(partition));
  PutBe64(k, static_cast<uint64_t>(offset));
  return k;
}

void PutBytes(std::string& out, const std::optional<std::string>& b) {
  if (!b) {
    out.push_back(0);
    return;
  }
  out.push_back(1);
  PutBe32(out, static_cast<uint32_t>(b->size()));
  out += *b;
}

bool GetBytes(std::string_view in, size_t& at, std::optional<std::string>& b) {
  if (at >= in.size()) return false;
  uint8_t present = static_cast<uint8_t>(in[at++]);
  if (!present) {
    b.reset();
    return true;
  }
  if (at + 4 > in.size()) return false;
  size_t n = GetBe(in, at, 4);
  at += 4;
  if (at + n > in.size()) return false;
  b = std::string(in.substr(at, n));
  at += n;
  return true;
}

std::string EncodeRecord(const RawRecord& r) {
  std::string out;
  out.push_back(static_cast<char>(kRecordVersion));
  PutBe64(out, static_cast<uint64_t>(r.timestamp));
  out.push_back(r.window ? 1 : 0);
  if (r.window) {
    PutBe64(out, static_cast<uint64_t>(r.window->start));
    PutBe64(out, static_cast<uint64_t>(r.window->end));
  }
  PutBytes(out, r.key);
  PutBytes(out, r.value);
  return out;
}

Status DecodeRecord(std::string_view in, RawRecord& r) {
  size_t at = 0;
  if (in.size() < 10 || static_cast<uint8_t>(in[0]) != kRecordVersion)
    return Status::Internal("embedded log: a record has an unknown format version");
  at = 1;
  r.timestamp = static_cast<int64_t>(GetBe(in, at, 8));
  at += 8;
  bool windowed = in[at++] != 0;
  if (windowed) {
    if (at + 16 > in.size()) return Status::Internal("embedded log: truncated record");
    r.window = Window{static_cast<int64_t>(GetBe(in, at, 8)), static_cast<int64_t>(GetBe(in, at + 8, 8))};
    at += 16;
  }
  if (!GetBytes(in, at, r.key) || !GetBytes(in, at, r.value)) return Status::Internal("embedded log: truncated record");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<EmbeddedLog>> EmbeddedLog::Open(StateDb* db) {
  std::unique_ptr<EmbeddedLog> log(new EmbeddedLog());
  ASSIGN_OR_RETURN(log->records_, db->AppendOnlyStore("log.records"));
  ASSIGN_OR_RETURN(log->topics_, db->Store("log.topics"));
  RETURN_IF_ERROR(log->topics_->Scan([&](std::string_view k, std::string_view v) {
    if (v.size() == 4) log->topics_by_name_[std::string(k)].resize(GetBe(v, 0, 4));
    return true;
  }));
  // The end offset of each partition is one past its last record.
  for (auto& [topic, parts] : log->topics_by_name_) {
    for (size_t p = 0; p < parts.size(); ++p) {
      int64_t end = 0;
      std::string prefix = topic;
      prefix.push_back('\0');
      PutBe32(prefix, static_cast<uint32_t>(p));
      std::string upper = topic;
      upper.push_back('\0');
      PutBe32(upper, static_cast<uint32_t>(p) + 1);
      std::string last;
      ASSIGN_OR_RETURN(bool found, log->records_->LastBefore(upper, &last));
      if (found && last.size() == prefix.size() + 8 && last.compare(0, prefix.size(), prefix) == 0)
        end = static_cast<int64_t>(GetBe(last, prefix.size(), 8)) + 1;
      parts[p].end = parts[p].committed = end;
    }
  }
  EmbeddedLog* raw = log.get();
  db->OnCommit([raw] { raw->Committed(); });
  return log;
}

void EmbeddedLog::Committed() {
  for (auto& [topic, parts] : topics_by_name_) {
    for (Partition& p : parts) {
      p.committed = p.end;
      p.pending.clear();
    }
  }
}

const std::vector<EmbeddedLog::Partition>* EmbeddedLog::Find(const std::string& topic) const {
  auto it = topics_by_name_.find(topic);
  return it == topics_by_name_.end() ? nullptr : &it->second;
}

Status EmbeddedLog::CreateTopic(const std::string& topic, int partitions) {
  if (topics_by_name_.count(topic)) return Status::Ok();
  partitions = std::max(1, partitions);
  std::string v;
  PutBe32(v, static_cast<uint32_t>(partitions));
  RETURN_IF_ERROR(topics_->Put(topic, v));
  topics_by_name_[topic].resize(static_cast<size_t>(partitions));
  return Status::Ok();
}

Status EmbeddedLog::DeleteTopic(const std::string& topic) {
  auto it = topics_by_name_.find(topic);
  if (it == topics_by_name_.end()) return Status::Ok();
  for (size_t p = 0; p < it->second.size(); ++p) {
    const Partition& part = it->second[p];
    std::string prefix = RecordKey(topic, static_cast<int>(p), 0);
    prefix.resize(prefix.size() - 8);
    std::vector<std::string> keys;
    RETURN_IF_ERROR(records_->Scan(
        [&](std::string_view k, std::string_view) {
          if (k.substr(0, prefix.size()) != prefix) return false;
          keys.emplace_back(k);
          return true;
        },
        prefix));
    // Records not committed yet are not in the database: their deletes follow their puts.
    for (int64_t o = part.committed; o < part.end; ++o) keys.push_back(RecordKey(topic, static_cast<int>(p), o));
    for (const auto& k : keys) RETURN_IF_ERROR(records_->Delete(k));
  }
  topics_by_name_.erase(it);
  return topics_->Delete(topic);
}

int EmbeddedLog::Partitions(const std::string& topic) const {
  const std::vector<Partition>* parts = Find(topic);
  return parts ? static_cast<int>(parts->size()) : 0;
}

Status EmbeddedLog::Append(const std::string& topic, RawRecord& record) {
  auto it = topics_by_name_.find(topic);
  if (it == topics_by_name_.end()) {
    RETURN_IF_ERROR(CreateTopic(topic, 1));
    it = topics_by_name_.find(topic);
  }
  if (record.partition < 0 || static_cast<size_t>(record.partition) >= it->second.size())
    return Status::Invalid(fmt::format("topic {} has no partition {}", topic, record.partition));
  Partition& part = it->second[static_cast<size_t>(record.partition)];
  record.offset = part.end;
  RETURN_IF_ERROR(records_->Put(RecordKey(topic, record.partition, part.end), EncodeRecord(record)));
  part.pending.push_back(record);
  ++part.end;
  return Status::Ok();
}

Status EmbeddedLog::Read(const std::string& topic, int partition, int64_t offset, size_t max,
                         std::vector<RawRecord>& out) const {
  const std::vector<Partition>* parts = Find(topic);
  if (!parts || partition < 0 || static_cast<size_t>(partition) >= parts->size()) return Status::Ok();
  const Partition& part = (*parts)[static_cast<size_t>(partition)];
  if (max == 0 || offset >= part.end) return Status::Ok();
  Status decode_error;
  if (offset < part.committed) {
    std::string start = RecordKey(topic, partition, offset);
    size_t prefix = start.size() - 8;
    RETURN_IF_ERROR(records_->Scan(
        [&](std::string_view k, std::string_view v) {
          if (k.size() != start.size() || k.substr(0, prefix) != std::string_view(start).substr(0, prefix)) return false;
          RawRecord r;
          decode_error = DecodeRecord(v, r);
          if (!decode_error.ok()) return false;
          r.partition = partition;
          r.offset = static_cast<int64_t>(GetBe(k, prefix, 8));
          offset = r.offset + 1;
          out.push_back(std::move(r));
          return --max > 0 && offset < part.committed;
        },
        start));
    RETURN_IF_ERROR(decode_error);
    // Records deleted from the log (DeleteTopic) leave no gap to skip here: what is committed
    // below `committed` and was not read is gone.
    if (offset < part.committed) offset = part.committed;
  }
  for (int64_t o = std::max(offset, part.committed); o < part.end && max > 0; ++o, --max)
    out.push_back(part.pending[static_cast<size_t>(o - part.committed)]);
  return Status::Ok();
}

int64_t EmbeddedLog::EndOffset(const std::string& topic, int partition) const {
  const std::vector<Partition>* parts = Find(topic);
  if (!parts || partition < 0 || static_cast<size_t>(partition) >= parts->size()) return 0;
  return (*parts)[static_cast<size_t>(partition)].end;
}

std::vector<std::string> EmbeddedLog::Topics() const {
  std::vector<std::string> out;
  for (const auto& [t, parts] : topics_by_name_) out.push_back(t);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace eddy
