// eddy.yaml's `state` map: sizes read into StateDbOptions, and a database opened with small
// bounds still holds what it is given (more than its caches and memtables).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "engine/state/state_db.h"

using namespace eddy;
namespace fs = std::filesystem;

TEST_CASE("state settings read sizes with k, m and g suffixes and ksqlDB's names", "[state]") {
  StateDbOptions o;
  REQUIRE(SetStateOption("block-cache", "8m", o).ok());
  CHECK(o.block_cache_bytes == 8u << 20);
  REQUIRE(SetStateOption("write-buffer", "64k", o).ok());
  CHECK(o.write_buffer_bytes == 64u << 10);
  REQUIRE(SetStateOption("write-buffers", "3", o).ok());
  CHECK(o.max_write_buffers == 3);
  REQUIRE(SetStateOption("total-write-buffer", "1GB", o).ok());
  CHECK(o.total_write_buffer_bytes == size_t{1} << 30);
  REQUIRE(SetStateOption("store-cache", "1000", o).ok());
  CHECK(o.store_cache_bytes == 1000u);
  REQUIRE(SetStateOption("ksql.plugins.rocksdb.cache.size", "2M", o).ok());
  CHECK(o.block_cache_bytes == 2u << 20);
  REQUIRE(SetStateOption("ksql.streams.cache.max.bytes.buffering", "10485760", o).ok());
  CHECK(o.store_cache_bytes == 10485760u);
}

TEST_CASE("bad state settings are refused with the setting's name", "[state]") {
  StateDbOptions o;
  Status st = SetStateOption("block-cache", "lots", o);
  CHECK_FALSE(st.ok());
  CHECK_THAT(st.message(), Catch::Contains("block-cache") && Catch::Contains("not a size"));
  CHECK_FALSE(SetStateOption("block-cache", "5x", o).ok());
  CHECK_FALSE(SetStateOption("block-cache", "99999999999999999999", o).ok());
  CHECK_FALSE(SetStateOption("write-buffer", "1k", o).ok());
  CHECK_FALSE(SetStateOption("write-buffers", "0", o).ok());
  st = SetStateOption("block-cash", "1m", o);
  CHECK_THAT(st.message(), Catch::Contains("unknown state setting 'block-cash'"));
}

TEST_CASE("a state database with small bounds keeps more than fits in them", "[state]") {
  fs::path dir = fs::temp_directory_path() / ("eddy-state-options-test-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(dir, ec);
  StateDbOptions o;
  REQUIRE(SetStateOption("block-cache", "64k", o).ok());
  REQUIRE(SetStateOption("write-buffer", "64k", o).ok());
  REQUIRE(SetStateOption("write-buffers", "2", o).ok());
  REQUIRE(SetStateOption("total-write-buffer", "256k", o).ok());
  REQUIRE(SetStateOption("store-cache", "4k", o).ok());
  const std::string value(100, 'v');
  {
    auto db = StateDb::Open(dir.string(), o);
    REQUIRE(db.ok());
    KvStore* s = db.value()->Store("s").value();
    for (int i = 0; i < 20000; ++i) {
      REQUIRE(s->Put("k" + std::to_string(i), value + std::to_string(i)).ok());
      if (i % 1000 == 999) REQUIRE(db.value()->Commit().ok());
    }
    REQUIRE(db.value()->Commit().ok());
  }
  {
    auto db = StateDb::Open(dir.string(), o);
    REQUIRE(db.ok());
    KvStore* s = db.value()->Store("s").value();
    std::string v;
    for (int i = 0; i < 20000; i += 997) {
      REQUIRE(s->Get("k" + std::to_string(i), &v).value());
      CHECK(v == value + std::to_string(i));
    }
  }  // closed (its background work done) before the directory goes
  fs::remove_all(dir, ec);
}
