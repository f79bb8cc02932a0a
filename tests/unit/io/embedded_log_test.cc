#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/io/embedded_log.h"
#include "engine/state/state_db.h"

using namespace eddy;

namespace {

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
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("EmbeddedLog reads records across the committed and the pending part", "[io][embedded_log]") {
  TempDir dir("eddy-embedded-log-test");
  auto db = StateDb::Open(dir.path.string());
  REQUIRE(db.ok());
  auto log = EmbeddedLog::Open(db.value().get());
  REQUIRE(log.ok());
  EmbeddedLog& l = *log.value();
  REQUIRE(l.CreateTopic("t", 2).ok());
  for (int i = 0; i < 3; ++i) {
    RawRecord r = Rec("k", "a" + std::to_string(i), i);
    REQUIRE(l.Append("t", r).ok());
    CHECK(r.offset == i);
  }
  // Read back before any commit: served from the pending records.
  CHECK(Values(l, "t", 0, 0, 10) == std::vector<std::string>{"a0", "a1", "a2"});
  REQUIRE(db.value()->Commit().ok());
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
    auto db = StateDb::Open(dir.path.string());
    REQUIRE(db.ok());
    auto log = EmbeddedLog::Open(db.value().get());
    REQUIRE(log.ok());
    auto state = db.value()->Store("agg");
    REQUIRE(state.ok());
    REQUIRE(log.value()->CreateTopic("t", 1).ok());
    RawRecord r = Rec("k", "committed", 1);
    REQUIRE(log.value()->Append("t", r).ok());
    REQUIRE(state.value()->Put("count", "1").ok());
    REQUIRE(db.value()->Commit().ok());
    // Written but never committed: neither the record nor the state change survives.
    RawRecord r2 = Rec("k", "lost", 2);
    REQUIRE(log.value()->Append("t", r2).ok());
    REQUIRE(state.value()->Put("count", "2").ok());
  }
  auto db = StateDb::Open(dir.path.string());
  REQUIRE(db.ok());
  auto log = EmbeddedLog::Open(db.value().get());
  REQUIRE(log.ok());
  CHECK(log.value()->EndOffset("t", 0) == 1);
  CHECK(Values(*log.value(), "t", 0, 0, 10) == std::vector<std::string>{"committed"});
  std::string v;
  REQUIRE(db.value()->Store("agg").value()->Get("count", &v).value());
  CHECK(v == "1");
  // Appending resumes at the end.
  RawRecord r3 = Rec("k", "next", 3);
  REQUIRE(log.value()->Append("t", r3).ok());
  CHECK(r3.offset == 1);
}

TEST_CASE("EmbeddedLog deletes a topic's committed and pending records", "[io][embedded_log]") {
  TempDir dir("eddy-embedded-log-delete");
  {
    auto db = StateDb::Open(dir.path.string());
    REQUIRE(db.ok());
    auto log = EmbeddedLog::Open(db.value().get());
    REQUIRE(log.ok());
    REQUIRE(log.value()->CreateTopic("gone", 1).ok());
    REQUIRE(log.value()->CreateTopic("kept", 1).ok());
    RawRecord a = Rec("k", "a", 1), b = Rec("k", "b", 2), c = Rec("k", "c", 3);
    REQUIRE(log.value()->Append("gone", a).ok());
    REQUIRE(db.value()->Commit().ok());
    REQUIRE(log.value()->Append("gone", b).ok());
    REQUIRE(log.value()->Append("kept", c).ok());
    REQUIRE(log.value()->DeleteTopic("gone").ok());
    CHECK_FALSE(log.value()->HasTopic("gone"));
    REQUIRE(db.value()->Commit().ok());
  }
  auto db = StateDb::Open(dir.path.string());
  REQUIRE(db.ok());
  auto log = EmbeddedLog::Open(db.value().get());
  REQUIRE(log.ok());
  CHECK(log.value()->Topics() == std::vector<std::string>{"kept"});
  CHECK(Values(*log.value(), "kept", 0, 0, 10) == std::vector<std::string>{"c"});
  int n = 0;
  REQUIRE(db.value()->AppendOnlyStore("log.records").value()->Scan([&](std::string_view, std::string_view) {
    return ++n, true;
  }).ok());
  CHECK(n == 1);  // only "kept"'s record is left
}
