#include "engine/io/embedded_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

namespace eddy {
namespace {

namespace fs = std::filesystem;

// Record format versions. 1: timestamp, window, key, value. 2: the same followed by the
// record's headers. A record without headers is still written as version 1, so files written
// before headers existed and files written since read alike.
constexpr uint8_t kRecordVersion = 1;
constexpr uint8_t kRecordVersionHeaders = 2;
constexpr int64_t kIndexEvery = 32;
// A record written since checksums: this byte, the CRC-32C (BE32) of the rest, then the record
// as above. Records of older files (starting with their version) are read as they are.
constexpr uint8_t kChecksummed = 0xC3;

// CRC-32C (Castagnoli), with SSE 4.2's instruction where the CPU has it.
uint32_t Crc32cSoftware(const char* p, size_t n) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ static_cast<uint8_t>(p[i])) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}
#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(const char* p, size_t n) {
  uint64_t c = 0xFFFFFFFFu;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = __builtin_ia32_crc32di(c, v);
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; n > 0; --n, ++p) c32 = __builtin_ia32_crc32qi(c32, static_cast<unsigned char>(*p));
  return c32 ^ 0xFFFFFFFFu;
}
#endif
uint32_t Crc32c(std::string_view s) {
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware) return Crc32cHardware(s.data(), s.size());
#endif
  return Crc32cSoftware(s.data(), s.size());
}  // the sparse index holds the position of every 32nd record

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

// A record as the file holds it: its length (BE32), then version, timestamp, window, key, value,
// and (version 2) the number of headers (BE32) and each header's key and value.
void EncodeRecordInto(std::string& out, const RawRecord& r) {
  size_t at = out.size();
  out.append(4, '\0');
  out.push_back(static_cast<char>(kChecksummed));
  out.append(4, '\0');  // the checksum, below
  const bool headers = r.headers && !r.headers->empty();
  out.push_back(static_cast<char>(headers ? kRecordVersionHeaders : kRecordVersion));
  PutBe64(out, static_cast<uint64_t>(r.timestamp));
  out.push_back(r.window ? 1 : 0);
  if (r.window) {
    PutBe64(out, static_cast<uint64_t>(r.window->start));
    PutBe64(out, static_cast<uint64_t>(r.window->end));
  }
  PutBytes(out, r.key);
  PutBytes(out, r.value);
  if (headers) {
    PutBe32(out, static_cast<uint32_t>(r.headers->size()));
    for (const Header& h : *r.headers) {
      PutBe32(out, static_cast<uint32_t>(h.key.size()));
      out += h.key;
      PutBytes(out, h.value);
    }
  }
  uint32_t n = static_cast<uint32_t>(out.size() - at - 4);
  for (int i = 0; i < 4; ++i) out[at + static_cast<size_t>(i)] = static_cast<char>((n >> (8 * (3 - i))) & 0xff);
  uint32_t crc = Crc32c(std::string_view(out).substr(at + 9));
  for (int i = 0; i < 4; ++i) out[at + 5 + static_cast<size_t>(i)] = static_cast<char>((crc >> (8 * (3 - i))) & 0xff);
}

// The record without its length prefix.
Status DecodeRecord(std::string_view in, RawRecord& r) {
  size_t at = 0;
  const uint8_t version = in.empty() ? 0 : static_cast<uint8_t>(in[0]);
  if (in.size() < 10 || (version != kRecordVersion && version != kRecordVersionHeaders))
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
  if (version == kRecordVersionHeaders) {
    if (at + 4 > in.size()) return Status::Internal("embedded log: truncated record");
    size_t count = GetBe(in, at, 4);
    at += 4;
    // Each header takes at least 5 bytes: a count past what is left is corruption, not a size.
    if (count > (in.size() - at) / 5) return Status::Internal("embedded log: truncated record");
    auto headers = std::make_shared<Headers>();
    headers->reserve(count);
    for (size_t i = 0; i < count; ++i) {
      if (at + 4 > in.size()) return Status::Internal("embedded log: truncated record");
      size_t n = GetBe(in, at, 4);
      at += 4;
      if (n > in.size() - at) return Status::Internal("embedded log: truncated record");
      Header& h = headers->emplace_back();
      h.key.assign(in.substr(at, n));
      at += n;
      if (!GetBytes(in, at, h.value)) return Status::Internal("embedded log: truncated record");
    }
    r.headers = std::move(headers);
  }
  return Status::Ok();
}

// A record as the file holds it, without its length prefix: its checksum checked, then decoded.
Status DecodeChecked(std::string_view in, RawRecord& r) {
  if (!in.empty() && static_cast<uint8_t>(in[0]) == kChecksummed) {
    if (in.size() < 5 || Crc32c(in.substr(5)) != GetBe(in, 1, 4))
      return Status::IoError("a record fails its checksum: the file is corrupt");
    in.remove_prefix(5);
  }
  return DecodeRecord(in, r);
}

Status SysError(const std::string& what, const std::string& path) {
  return Status::IoError(fmt::format("embedded log: cannot {} {}: {}", what, path, std::strerror(errno)));
}

Status WriteAll(int fd, std::string_view data, uint64_t at, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return SysError("write", path);
    data.remove_prefix(static_cast<size_t>(n));
    at += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

// Reads up to `n` bytes at `at` into `buf` (resized to what was read).
Status ReadAt(int fd, uint64_t at, size_t n, std::string& buf, const std::string& path) {
  buf.resize(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf.data() + got, n - got, static_cast<off_t>(at + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return SysError("read", path);
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  buf.resize(got);
  return Status::Ok();
}

// File names keep letters, digits, '.', '_' and '-' of a topic name; other bytes become %XX.
std::string SafeName(const std::string& topic) {
  std::string out;
  for (unsigned char c : topic) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') out.push_back(static_cast<char>(c));
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string EndsKey(const std::string& topic, size_t partition) {
  std::string k = topic;
  k.push_back('\0');
  PutBe32(k, static_cast<uint32_t>(partition));
  return k;
}

}  // namespace

EmbeddedLog::Partition::~Partition() {
  if (fd >= 0) ::close(fd);
  if (idx_fd >= 0) ::close(idx_fd);
}

EmbeddedLog::~EmbeddedLog() = default;

Result<std::unique_ptr<EmbeddedLog>> EmbeddedLog::Open(StateDb* db, const std::string& dir) {
  std::unique_ptr<EmbeddedLog> log(new EmbeddedLog());
  log->dir_ = dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError(fmt::format("embedded log: cannot create {}: {}", dir, ec.message()));
  ASSIGN_OR_RETURN(log->topics_, db->Store("log.topics"));
  ASSIGN_OR_RETURN(log->ends_, db->Store("log.ends"));
  RETURN_IF_ERROR(log->topics_->Scan([&](std::string_view k, std::string_view v) {
    if (v.size() != 4 && v.size() != 12) return true;
    Topic& t = log->topics_by_name_[std::string(k)];
    t.generation = v.size() == 12 ? GetBe(v, 4, 8) : 0;
    t.partitions.resize(GetBe(v, 0, 4));
    log->next_generation_ = std::max(log->next_generation_, t.generation + 1);
    return true;
  }));
  for (auto& [name, t] : log->topics_by_name_) RETURN_IF_ERROR(log->OpenPartitions(name, t, false));
  EmbeddedLog* raw = log.get();
  db->BeforeCommit([raw] { return raw->WritePending(); });
  db->OnCommit([raw] { raw->Committed(); });
  RETURN_IF_ERROR(log->MigrateFromDatabase(db));
  RETURN_IF_ERROR(log->RemoveOrphans());
  return log;
}

std::string EmbeddedLog::FileBase(const std::string& topic, uint64_t generation, size_t partition) const {
  return fmt::format("{}/{}.{}.{}", dir_, SafeName(topic), generation, partition);
}

Status EmbeddedLog::OpenPartitions(const std::string& topic, Topic& t, bool fresh) {
  for (size_t p = 0; p < t.partitions.size(); ++p) {
    auto part = std::make_unique<Partition>();
    part->path = FileBase(topic, t.generation, p) + ".log";
    part->ends_key = EndsKey(topic, p);
    part->fd = ::open(part->path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (part->fd < 0) return SysError("open", part->path);
    std::string idx_path = part->path + ".idx";
    part->idx_fd = ::open(idx_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (part->idx_fd < 0) return SysError("open", idx_path);
    std::string v;
    if (!fresh) {
      ASSIGN_OR_RETURN(bool found, ends_->Get(part->ends_key, &v));
      if (found && v.size() == 16) {
        part->end = static_cast<int64_t>(GetBe(v, 0, 8));
        part->bytes = GetBe(v, 8, 8);
      }
    }
    part->committed = part->end;
    struct stat st;
    if (::fstat(part->fd, &st) != 0) return SysError("stat", part->path);
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size < part->bytes) {
      return Status::IoError(fmt::format(
          "embedded log: {} holds {} bytes but {} were committed to it: committed records are missing "
          "(lost in a machine crash, or the file was changed)", part->path, size, part->bytes));
    }
    // Bytes past the committed length were written by a run that stopped before its commit.
    if (size > part->bytes && ::ftruncate(part->fd, static_cast<off_t>(part->bytes)) != 0)
      return SysError("truncate", part->path);
    // The sparse index: the entries of committed records the .idx file holds, then the rest
    // (lost with an interrupted commit) rebuilt by walking the records from the last one known.
    std::string idx;
    if (::fstat(part->idx_fd, &st) != 0) return SysError("stat", idx_path);
    RETURN_IF_ERROR(ReadAt(part->idx_fd, 0, static_cast<size_t>(st.st_size), idx, idx_path));
    const size_t wanted = static_cast<size_t>((part->end + kIndexEvery - 1) / kIndexEvery);
    for (size_t k = 0; k < wanted && (k + 1) * 8 <= idx.size(); ++k) {
      uint64_t pos = GetBe(idx, k * 8, 8);
      if (pos >= part->bytes || (k > 0 && pos <= part->index.back())) break;
      part->index.push_back(pos);
    }
    part->index_written = part->index.size();
    if (idx.size() > part->index_written * 8 &&
        ::ftruncate(part->idx_fd, static_cast<off_t>(part->index_written * 8)) != 0)
      return SysError("truncate", idx_path);
    int64_t o = part->index.empty() ? 0 : static_cast<int64_t>(part->index.size() - 1) * kIndexEvery;
    uint64_t pos = part->index.empty() ? 0 : part->index.back();
    std::string buf;
    size_t at = 0;
    while (o < part->end) {
      if (at + 4 > buf.size() || at + 4 + GetBe(buf, at, 4) > buf.size()) {
        // Refill from `pos`, the start of record o.
        size_t need = at + 4 <= buf.size() ? 4 + GetBe(buf, at, 4) : 4;
        RETURN_IF_ERROR(ReadAt(part->fd, pos, std::max<size_t>(need, 1 << 20), buf, part->path));
        at = 0;
        if (buf.size() < 4 || 4 + GetBe(buf, 0, 4) > buf.size())
          return Status::IoError(fmt::format("embedded log: {} ends inside record {}", part->path, o));
      }
      if (o % kIndexEvery == 0 && static_cast<size_t>(o / kIndexEvery) == part->index.size()) part->index.push_back(pos);
      uint64_t n = 4 + GetBe(buf, at, 4);
      at += n;
      pos += n;
      ++o;
    }
    if (pos != part->bytes && part->end > 0)
      return Status::IoError(fmt::format("embedded log: {} holds records past its committed {} (corrupt index?)",
                                         part->path, part->end));
    t.partitions[p] = std::move(part);
  }
  return Status::Ok();
}

Status EmbeddedLog::MigrateFromDatabase(StateDb* db) {
  // Before the log had files, its records were in the database's "log.records" store.
  std::vector<std::string> names = db->StoreNames();
  if (std::find(names.begin(), names.end(), "log.records") == names.end()) return Status::Ok();
  ASSIGN_OR_RETURN(KvStore * old, db->Store("log.records"));
  std::vector<std::string> keys;
  Status error;
  RETURN_IF_ERROR(old->Scan([&](std::string_view k, std::string_view v) {
    size_t nul = k.find('\0');
    if (nul == std::string_view::npos || k.size() != nul + 13) return true;
    std::string topic(k.substr(0, nul));
    RawRecord r;
    error = DecodeRecord(v, r);
    if (!error.ok()) return false;
    r.partition = static_cast<int>(GetBe(k, nul + 1, 4));
    if (HasTopic(topic) && r.partition < Partitions(topic)) {
      error = Append(topic, r);
      if (!error.ok()) return false;
    }
    keys.emplace_back(k);
    return true;
  }));
  RETURN_IF_ERROR(error);
  for (const auto& k : keys) RETURN_IF_ERROR(old->Delete(k));
  return db->Commit();
}

Status EmbeddedLog::RemoveOrphans() {
  // Files of topics deleted (or created and never committed) before a crash.
  std::set<std::string> live;
  for (const auto& [name, t] : topics_by_name_) {
    for (const auto& p : t.partitions) {
      live.insert(p->path);
      live.insert(p->path + ".idx");
    }
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string path = fmt::format("{}/{}", dir_, entry.path().filename().string());
    if (entry.is_regular_file() && !live.count(path)) fs::remove(entry.path(), ec);
  }
  return Status::Ok();
}

Status EmbeddedLog::WritePending() {
  for (const auto& [name, t] : topics_by_name_) {
    for (const auto& part : t.partitions) {
      Partition& p = *part;
      if (!p.dirty) continue;
      RETURN_IF_ERROR(WriteAll(p.fd, p.pending_bytes, p.bytes, p.path));
      if (p.index.size() > p.index_written) {
        std::string entries;
        for (size_t k = p.index_written; k < p.index.size(); ++k) PutBe64(entries, p.index[k]);
        RETURN_IF_ERROR(WriteAll(p.idx_fd, entries, p.index_written * 8, p.path + ".idx"));
      }
      std::string v;
      PutBe64(v, static_cast<uint64_t>(p.end));
      PutBe64(v, p.bytes + p.pending_bytes.size());
      RETURN_IF_ERROR(ends_->Put(p.ends_key, v));
    }
  }
  return Status::Ok();
}

void EmbeddedLog::Committed() {
  for (auto& [name, t] : topics_by_name_) {
    for (auto& part : t.partitions) {
      Partition& p = *part;
      if (!p.dirty) continue;
      p.bytes += p.pending_bytes.size();
      p.committed = p.end;
      p.index_written = p.index.size();
      p.pending_bytes.clear();
      p.pending.clear();
      p.dirty = false;
    }
  }
  for (const auto& p : doomed_) {
    std::error_code ec;
    fs::remove(p->path, ec);
    fs::remove(p->path + ".idx", ec);
  }
  doomed_.clear();
}

const EmbeddedLog::Topic* EmbeddedLog::Find(const std::string& topic) const {
  auto it = topics_by_name_.find(topic);
  return it == topics_by_name_.end() ? nullptr : &it->second;
}

Status EmbeddedLog::CreateTopic(const std::string& topic, int partitions) {
  if (topics_by_name_.count(topic)) return Status::Ok();
  partitions = std::max(1, partitions);
  Topic t;
  t.generation = next_generation_++;
  t.partitions.resize(static_cast<size_t>(partitions));
  // A new generation's files are new; any left by a crash before a commit are stale.
  for (int p = 0; p < partitions; ++p) {
    std::error_code ec;
    std::string base = FileBase(topic, t.generation, static_cast<size_t>(p));
    fs::remove(base + ".log", ec);
    fs::remove(base + ".log.idx", ec);
  }
  RETURN_IF_ERROR(OpenPartitions(topic, t, true));
  std::string v;
  PutBe32(v, static_cast<uint32_t>(partitions));
  PutBe64(v, t.generation);
  RETURN_IF_ERROR(topics_->Put(topic, v));
  topics_by_name_.emplace(topic, std::move(t));
  return Status::Ok();
}

Status EmbeddedLog::DeleteTopic(const std::string& topic) {
  auto it = topics_by_name_.find(topic);
  if (it == topics_by_name_.end()) return Status::Ok();
  for (auto& part : it->second.partitions) {
    RETURN_IF_ERROR(ends_->Delete(part->ends_key));
    part->doomed = true;
    doomed_.push_back(std::move(part));
  }
  topics_by_name_.erase(it);
  return topics_->Delete(topic);
}

int EmbeddedLog::Partitions(const std::string& topic) const {
  const Topic* t = Find(topic);
  return t ? static_cast<int>(t->partitions.size()) : 0;
}

Status EmbeddedLog::Append(const std::string& topic, RawRecord& record) {
  auto it = topics_by_name_.find(topic);
  if (it == topics_by_name_.end()) {
    RETURN_IF_ERROR(CreateTopic(topic, 1));
    it = topics_by_name_.find(topic);
  }
  if (record.partition < 0 || static_cast<size_t>(record.partition) >= it->second.partitions.size())
    return Status::Invalid(fmt::format("topic {} has no partition {}", topic, record.partition));
  Partition& p = *it->second.partitions[static_cast<size_t>(record.partition)];
  record.offset = p.end;
  if (p.end % kIndexEvery == 0) p.index.push_back(p.bytes + p.pending_bytes.size());
  EncodeRecordInto(p.pending_bytes, record);
  p.pending.push_back(record);
  ++p.end;
  p.dirty = true;
  return Status::Ok();
}

Status EmbeddedLog::Read(const std::string& topic, int partition, int64_t offset, size_t max,
                         std::vector<RawRecord>& out) const {
  const Topic* t = Find(topic);
  if (!t || partition < 0 || static_cast<size_t>(partition) >= t->partitions.size()) return Status::Ok();
  const Partition& p = *t->partitions[static_cast<size_t>(partition)];
  if (max == 0 || offset >= p.end || offset < 0) return Status::Ok();
  if (offset < p.committed) {
    // From the indexed record at or before `offset`, walk the file to it, then decode.
    size_t k = static_cast<size_t>(offset / kIndexEvery);
    int64_t o = static_cast<int64_t>(k) * kIndexEvery;
    uint64_t pos = p.index[k];
    std::string buf;
    size_t at = 0;
    while (o < p.committed && max > 0) {
      if (at + 4 > buf.size() || at + 4 + GetBe(buf, at, 4) > buf.size()) {
        size_t need = at + 4 <= buf.size() ? 4 + GetBe(buf, at, 4) : 4;
        RETURN_IF_ERROR(ReadAt(p.fd, pos, std::min<uint64_t>(std::max<size_t>(need, 64 << 10), p.bytes - pos), buf, p.path));
        at = 0;
        if (buf.size() < 4 || 4 + GetBe(buf, 0, 4) > buf.size())
          return Status::IoError(fmt::format("embedded log: {} ends inside record {}", p.path, o));
      }
      size_t n = 4 + GetBe(buf, at, 4);
      if (o >= offset) {
        RawRecord r;
        Status decoded = DecodeChecked(std::string_view(buf).substr(at + 4, n - 4), r);
        if (!decoded.ok())
          return Status::IoError(fmt::format("embedded log: {} at record {}: {}", p.path, o, decoded.message()));
        r.partition = partition;
        r.offset = o;
        out.push_back(std::move(r));
        --max;
      }
      at += n;
      pos += n;
      ++o;
    }
    offset = o;
  }
  for (int64_t o = std::max(offset, p.committed); o < p.end && max > 0; ++o, --max)
    out.push_back(p.pending[static_cast<size_t>(o - p.committed)]);
  return Status::Ok();
}

int64_t EmbeddedLog::EndOffset(const std::string& topic, int partition) const {
  const Topic* t = Find(topic);
  if (!t || partition < 0 || static_cast<size_t>(partition) >= t->partitions.size()) return 0;
  return t->partitions[static_cast<size_t>(partition)]->end;
}

std::vector<std::string> EmbeddedLog::Topics() const {
  std::vector<std::string> out;
  for (const auto& [name, t] : topics_by_name_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace eddy
