// A state directory eddy did not write is refused, not read; a corrupt one is reported at open.
#include <catch2/catch.hpp>

#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/state/state_db.h"

using namespace eddy;
namespace fs = std::filesystem;

namespace {

std::string FreshDir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("eddy-state-dir-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  return p.string();
}

// Another program's RocksDB database: a key in the default column family, and `families`.
void WriteForeignDb(const std::string& path, const std::vector<std::string>& families) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(o, path, &db).ok());
  REQUIRE(db->Put(rocksdb::WriteOptions(), "user:1", "alice").ok());
  for (const auto& f : families) {
    rocksdb::ColumnFamilyHandle* h = nullptr;
    REQUIRE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), f, &h).ok());
    REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  }
  delete db;
}

}  // namespace

TEST_CASE("a new state directory is eddy's from then on", "[state]") {
  const std::string dir = FreshDir("new");
  {
    auto db = StateDb::Open(dir);
    REQUIRE(db.ok());
    REQUIRE(db.value()->Store("s").value()->Put("k", "v").ok());
    REQUIRE(db.value()->Commit().ok());
  }
  auto again = StateDb::Open(dir);
  REQUIRE(again.ok());
  std::string v;
  REQUIRE(again.value()->Store("s").value()->Get("k", &v).value());
  CHECK(v == "v");
  fs::remove_all(dir);
}

TEST_CASE("another program's RocksDB database is refused and left as it was", "[state]") {
  const std::string dir = FreshDir("foreign");
  WriteForeignDb(dir, {"users"});
  auto db = StateDb::Open(dir);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().message().find("eddy did not write") != std::string::npos);
  // Nothing was written into it: still refused the second time.
  CHECK_FALSE(StateDb::Open(dir).ok());
  fs::remove_all(dir);

  const std::string plain = FreshDir("foreign-default-only");
  WriteForeignDb(plain, {});
  CHECK_FALSE(StateDb::Open(plain).ok());
  fs::remove_all(plain);
}

TEST_CASE("a state directory from an eddy before the marker is still opened", "[state]") {
  const std::string dir = FreshDir("old-eddy");
  WriteForeignDb(dir, {"engine.statements"});
  CHECK(StateDb::Open(dir).ok());
  CHECK(StateDb::Open(dir).ok());
  fs::remove_all(dir);
}

TEST_CASE("a corrupt state directory is reported at open", "[state]") {
  const std::string dir = FreshDir("corrupt");
  {
    auto db = StateDb::Open(dir);
    REQUIRE(db.ok());
    REQUIRE(db.value()->Store("s").value()->Put("k", "v").ok());
    REQUIRE(db.value()->Commit().ok());
  }
  // Garble the middle of every MANIFEST.
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("MANIFEST-", 0) != 0) continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    const auto size = static_cast<std::streamoff>(fs::file_size(e.path()));
    for (std::streamoff i = size / 3; i < size / 3 + 16 && i < size; ++i) {
      f.seekg(i);
      char c = 0;
      f.get(c);
      f.seekp(i);
      f.put(static_cast<char>(c ^ 0x5a));
    }
  }
  auto db = StateDb::Open(dir);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().message().find("Corruption") != std::string::npos);
  fs::remove_all(dir);
}
