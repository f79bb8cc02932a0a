#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "engine/io/embedded_log.h"
#include "engine/state/state_db.h"

using namespace eddy;

namespace {

// CRC-32C, bit by bit from its definition (reflected polynomial 0x82F63B78): each record the
// log writes starts with 0xC3 and this checksum (BE32) of the rest.
uint32_t ReferenceCrc32c(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}
// A record's body as the file holds it: the checksum marker and checksum, then the body.
std::string Checksummed(const std::string& body) {
  uint32_t crc = ReferenceCrc32c(body);
  std::string out("\xC3", 1);
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out + body;
}

RawRecord Rec(const std::string& key, const std::string& value, int64_t ts) {
  RawRecord r;
  r.key = key;
  r.value = value;
  r.timestamp = ts;
  return r;
}

std::vector<std::string> Values(const Log& log, const std::string& topic, int p, int64_t from, size_t max) {
  std::vector<RawRecord> out;
  REQUIRE(log.Read(topic, p, from, max, out).ok());
  std::vector<std::string> values;
  int64_t expect = from;
  for (const auto& r : out) {
    CHECK(r.offset == expect++);
    CHECK(r.partition == p);
    values.push_back(r.value ? *r.value : "<null>");
  }
  return values;
}

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// The state database and the log of a state directory, opened as eddy opens them.
struct Opened {
  std::unique_ptr<StateDb> db;
  std::unique_ptr<EmbeddedLog> log;
};
Opened OpenDir(const std::filesystem::path& dir) {
  auto db = StateDb::Open((dir / "db").string());
  REQUIRE(db.ok());
  Opened o{std::move(db).value(), nullptr};
  auto log = EmbeddedLog::Open(o.db.get(), (dir / "log").string());
  REQUIRE(log.ok());
  o.log = std::move(log).value();
  return o;
}

}  // namespace

TEST_CASE("EmbeddedLog reads records across the committed and the pending part", "[io][embedded_log]") {
  TempDir dir("eddy-embedded-log-test");
  Opened o = OpenDir(dir.path);
  EmbeddedLog& l = *o.log;
  REQUIRE(l.CreateTopic("t", 2).ok());
  for (int i = 0; i < 3; ++i) {
    RawRecord r = Rec("k", "a" + std::to_string(i), i);
    REQUIRE(l.Append("t", r).ok());
    CHECK(r.offset == i);
  }
  // Read back before any commit: served from the pending records.
  CHECK(Values(l, "t", 0, 0, 10) == std::vector<std::string>{"a0", "a1", "a2"});
  REQUIRE(o.db->Commit().ok());
  for (int i = 3; i < 5; ++i) {
    RawRecord r = Rec("k", "a" + std::to_string(i), i);
    REQUIRE(l.Append("t", r).ok());
  }
  RawRecord tomb = Rec("k", "", 9);
  tomb.value.reset();
  REQUIRE(l.Append("t", tomb).ok());
  CHECK(l.EndOffset("t", 0) == 6);
  CHECK(l.EndOffset("t", 1) == 0);
  // From the committed part into the pending one, in one read and in bounded reads.
  CHECK(Values(l, "t", 0, 1, 10) == std::vector<std::string>{"a1", "a2", "a3", "a4", "<null>"});
  CHECK(Values(l, "t", 0, 2, 2) == std::vector<std::string>{"a2", "a3"});
  CHECK(Values(l, "t", 0, 4, 1) == std::vector<std::string>{"a4"});
  CHECK(Values(l, "t", 0, 6, 10).empty());
  CHECK(Values(l, "t", 1, 0, 10).empty());
  CHECK(Values(l, "nope", 0, 0, 10).empty());
}

TEST_CASE("EmbeddedLog keeps committed records and loses uncommitted ones across a reopen", "[io][embedded_log]") {
  TempDir dir("eddy-embedded-log-reopen");
  {
    Opened o = OpenDir(dir.path);
    auto state = o.db->Store("agg");
    REQUIRE(state.ok());
    REQUIRE(o.log->CreateTopic("t", 1).ok());
    RawRecord r = Rec("k", "committed", 1);
    REQUIRE(o.log->Append("t", r).ok());
    REQUIRE(state.value()->Put("count", "1").ok());
    REQUIRE(o.db->Commit().ok());
    // Written but never committed: neither the record nor the state change survives.
    RawRecord r2 = Rec("k", "lost", 2);
    REQUIRE(o.log->Append("t", r2).ok());
    REQUIRE(state.value()->Put("count", "2").ok());
  }
  Opened o = OpenDir(dir.path);
  CHECK(o.log->EndOffset("t", 0) == 1);
  CHECK(Values(*o.log, "t", 0, 0, 10) == std::vector<std::string>{"committed"});
  std::string v;
  REQUIRE(o.db->Store("agg").value()->Get("count", &v).value());
  CHECK(v == "1");
  // Appending resumes at the end.
  RawRecord r3 = Rec("k", "next", 3);
  REQUIRE(o.log->Append("t", r3).ok());
  CHECK(r3.offset == 1);
}

TEST_CASE("EmbeddedLog deletes a topic's committed and pending records", "[io][embedded_log]") {
  TempDir dir("eddy-embedded-log-delete");
  {
    Opened o = OpenDir(dir.path);
    REQUIRE(o.log->CreateTopic("gone", 1).ok());
    REQUIRE(o.log->CreateTopic("kept", 1).ok());
    RawRecord a = Rec("k", "a", 1), b = Rec("k", "b", 2), c = Rec("k", "c", 3);
    REQUIRE(o.log->Append("gone", a).ok());
    REQUIRE(o.db->Commit().ok());
    REQUIRE(o.log->Append("gone", b).ok());
    REQUIRE(o.log->Append("kept", c).ok());
    REQUIRE(o.log->DeleteTopic("gone").ok());
    CHECK_FALSE(o.log->HasTopic("gone"));
    REQUIRE(o.db->Commit().ok());
  }
  Opened o = OpenDir(dir.path);
  CHECK(o.log->Topics() == std::vector<std::string>{"kept"});
  CHECK(Values(*o.log, "kept", 0, 0, 10) == std::vector<std::string>{"c"});
  // Only "kept"'s files are left.
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir.path / "log")) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{"kept.2.0.log", "kept.2.0.log.idx"});
}

TEST_CASE("EmbeddedLog finds records past its sparse index, rebuilds a lost index and cuts uncommitted bytes",
          "[io][embedded_log]") {
  TempDir dir("eddy-embedded-log-index");
  const int kRecords = 100;
  auto value = [](int i) { return std::string(i == 50 ? 100000 : i % 7, 'x') + std::to_string(i); };
  {
    Opened o = OpenDir(dir.path);
    REQUIRE(o.log->CreateTopic("t", 1).ok());
    for (int i = 0; i < kRecords; ++i) {
      RawRecord r = Rec("k" + std::to_string(i), value(i), i);
      if (i == 3) r.window = Window{10, 20};
      REQUIRE(o.log->Append("t", r).ok());
      if (i % 30 == 29) REQUIRE(o.db->Commit().ok());
    }
    REQUIRE(o.db->Commit().ok());
  }
  // A run that wrote records and stopped before committing them leaves bytes past the end.
  {
    std::ofstream junk(dir.path / "log" / "t.1.0.log", std::ios::app | std::ios::binary);
    junk << "half a record";
  }
  std::filesystem::remove(dir.path / "log" / "t.1.0.log.idx");
  Opened o = OpenDir(dir.path);
  CHECK(o.log->EndOffset("t", 0) == kRecords);
  for (int from : {0, 1, 31, 32, 33, 49, 50, 51, 63, 64, 95, 99}) {
    std::vector<RawRecord> out;
    REQUIRE(o.log->Read("t", 0, from, 3, out).ok());
    REQUIRE(out.size() == static_cast<size_t>(std::min(3, kRecords - from)));
    for (size_t j = 0; j < out.size(); ++j) {
      int i = from + static_cast<int>(j);
      CHECK(out[j].offset == i);
      CHECK(*out[j].key == "k" + std::to_string(i));
      CHECK(*out[j].value == value(i));
      CHECK(out[j].timestamp == i);
      CHECK(out[j].window.has_value() == (i == 3));
    }
  }
  RawRecord next = Rec("k", "after", 1);
  REQUIRE(o.log->Append("t", next).ok());
  CHECK(next.offset == kRecords);
  REQUIRE(o.db->Commit().ok());
  CHECK(Values(*o.log, "t", 0, kRecords - 1, 5) == std::vector<std::string>{value(kRecords - 1), "after"});
}

TEST_CASE("EmbeddedLog refuses a partition file shorter than what was committed", "[io][embedded_log]") {
  TempDir dir("eddy-embedded-log-short");
  {
    Opened o = OpenDir(dir.path);
    REQUIRE(o.log->CreateTopic("t", 1).ok());
    RawRecord r = Rec("k", "value", 1);
    REQUIRE(o.log->Append("t", r).ok());
    REQUIRE(o.db->Commit().ok());
  }
  std::filesystem::resize_file(dir.path / "log" / "t.1.0.log", 5);
  auto db = StateDb::Open((dir.path / "db").string());
  REQUIRE(db.ok());
  auto log = EmbeddedLog::Open(db.value().get(), (dir.path / "log").string());
  REQUIRE_FALSE(log.ok());
  CHECK_THAT(log.status().message(), Catch::Contains("committed records are missing"));
}

namespace {

HeadersPtr MakeHeaders(std::vector<Header> hs) { return std::make_shared<const Headers>(std::move(hs)); }

std::string FileBytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("EmbeddedLog keeps record headers, pending and committed, across a reopen", "[io][embedded_log][headers]") {
  TempDir dir("eddy-embedded-log-headers");
  // Repeated keys keep their order; a null value differs from an empty one; bytes are any bytes.
  const Headers with{{"abc", std::string("\x1a", 1)},
                     {"abc", std::string("!")},
                     {"def", std::nullopt},
                     {"", std::string()},
                     {"bin", std::string("\0\xff\0", 3)}};
  {
    Opened o = OpenDir(dir.path);
    REQUIRE(o.log->CreateTopic("t", 1).ok());
    RawRecord a = Rec("k", "a", 1);
    a.headers = MakeHeaders(with);
    RawRecord b = Rec("k", "b", 2);  // none
    RawRecord c = Rec("k", "c", 3);
    c.headers = MakeHeaders({});  // an empty list is no headers
    for (RawRecord* r : {&a, &b, &c}) REQUIRE(o.log->Append("t", *r).ok());
    std::vector<RawRecord> pending;
    REQUIRE(o.log->Read("t", 0, 0, 10, pending).ok());
    REQUIRE(pending.size() == 3);
    REQUIRE(pending[0].headers);
    CHECK(*pending[0].headers == with);
    CHECK_FALSE(pending[1].headers);
    REQUIRE(o.db->Commit().ok());
  }
  Opened o = OpenDir(dir.path);
  std::vector<RawRecord> out;
  REQUIRE(o.log->Read("t", 0, 0, 10, out).ok());
  REQUIRE(out.size() == 3);
  REQUIRE(out[0].headers);
  CHECK(*out[0].headers == with);
  CHECK(*out[0].value == "a");
  CHECK(out[0].timestamp == 1);
  CHECK_FALSE(out[1].headers);
  CHECK(*out[1].value == "b");
  CHECK((!out[2].headers || out[2].headers->empty()));
  CHECK(*out[2].value == "c");
}

TEST_CASE("EmbeddedLog writes records without headers in the version-1 layout, with headers as version 2",
          "[io][embedded_log][headers]") {
  TempDir dir("eddy-embedded-log-headers-layout");
  {
    Opened o = OpenDir(dir.path);
    REQUIRE(o.log->CreateTopic("t", 1).ok());
    RawRecord plain = Rec("K", "V", 258);
    RawRecord headed = Rec("K", "V", 258);
    headed.headers = MakeHeaders({{"h", std::string("x")}, {"n", std::nullopt}});
    REQUIRE(o.log->Append("t", plain).ok());
    REQUIRE(o.log->Append("t", headed).ok());
    REQUIRE(o.db->Commit().ok());
  }
  // Worked out by hand from the layout: length (BE32), version, timestamp (BE64), window flag,
  // key (present, BE32 length, bytes), value (the same); version 2 adds the header count (BE32)
  // and per header its key (BE32 length, bytes) and value (present flag, BE32 length, bytes).
  const std::string v1_body = std::string("\x01", 1) + std::string("\0\0\0\0\0\0\x01\x02", 8) + std::string("\0", 1) +
                              std::string("\x01\0\0\0\x01K", 6) + std::string("\x01\0\0\0\x01V", 6);
  const std::string v2_body = std::string("\x02", 1) + v1_body.substr(1) + std::string("\0\0\0\x02", 4) +
                              std::string("\0\0\0\x01h", 5) + std::string("\x01\0\0\0\x01x", 6) +
                              std::string("\0\0\0\x01n", 5) + std::string("\0", 1);
  // Each body goes behind its checksum (5 bytes).
  const std::string expected = std::string("\0\0\0\x1b", 4) + Checksummed(v1_body) + std::string("\0\0\0\x30", 4) +
                               Checksummed(v2_body);
  REQUIRE(ReferenceCrc32c("123456789") == 0xE3069283u);  // CRC-32C's check value
  REQUIRE(v1_body.size() == 0x16);
  REQUIRE(v2_body.size() == 0x2b);  // 22 + count 4 + "h" 5 + "x" 6 + "n" 5 + null 1
  CHECK(FileBytes(dir.path / "log" / "t.1.0.log") == expected);
}

TEST_CASE("EmbeddedLog reports a record whose headers are damaged instead of reading past it",
          "[io][embedded_log][headers]") {
  TempDir dir("eddy-embedded-log-headers-damaged");
  {
    Opened o = OpenDir(dir.path);
    REQUIRE(o.log->CreateTopic("t", 1).ok());
    RawRecord r = Rec("K", "V", 1);
    r.headers = MakeHeaders({{"h", std::string("x")}});
    REQUIRE(o.log->Append("t", r).ok());
    REQUIRE(o.db->Commit().ok());
  }
  // The header count sits right after the value: 4 + 5 (checksum) + 22 bytes into the file. The
  // checksum is made right again, so the damage reaches the decoder.
  {
    const std::string body = FileBytes(dir.path / "log" / "t.1.0.log").substr(9);
    std::string damaged = body.substr(0, 22) + "\xff\xff\xff\xff" + body.substr(26);
    std::fstream f(dir.path / "log" / "t.1.0.log", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4);
    std::string c = Checksummed(damaged);
    f.write(c.data(), static_cast<std::streamsize>(c.size()));
  }
  Opened o = OpenDir(dir.path);
  std::vector<RawRecord> out;
  Status st = o.log->Read("t", 0, 0, 10, out);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("truncated record"));
}
