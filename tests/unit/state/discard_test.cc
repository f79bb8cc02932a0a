// StateDb::Discard: pending writes (in the batch and in the stores' caches) are dropped, and reads
// see the last commit again (Kafka: after an aborted transaction).
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "engine/state/state_db.h"

namespace eddy {
namespace {

TEST_CASE("Discard drops the writes since the last commit", "[state][discard]") {
  StateDbOptions so;
  so.in_memory = true;
  Result<std::unique_ptr<StateDb>> db = StateDb::Open("/discard-test", so);
  REQUIRE(db.ok());
  Result<KvStore*> kv = (*db)->Store("q.agg");
  REQUIRE(kv.ok());
  KvStore& s = **kv;
  REQUIRE(s.Put("a", "1").ok());
  REQUIRE(s.Put("b", "2").ok());
  REQUIRE((*db)->Commit().ok());
  // Changed, deleted and added since: some in the cache, some flushed to the batch by a scan.
  REQUIRE(s.Put("a", "10").ok());
  REQUIRE(s.Delete("b").ok());
  REQUIRE(s.Scan([](std::string_view, std::string_view) { return true; }).ok());
  REQUIRE(s.Put("c", "3").ok());
  std::string v;
  REQUIRE(s.Get("a", &v).value());
  CHECK(v == "10");
  (*db)->Discard();
  CHECK((*db)->pending_writes() == 0);
  REQUIRE(s.Get("a", &v).value());
  CHECK(v == "1");
  REQUIRE(s.Get("b", &v).value());
  CHECK(v == "2");
  CHECK_FALSE(s.Get("c", &v).value());
  // And a commit after it writes only what came after.
  REQUIRE(s.Put("d", "4").ok());
  REQUIRE((*db)->Commit().ok());
  int n = 0;
  REQUIRE(s.Scan([&](std::string_view, std::string_view) { return ++n, true; }).ok());
  CHECK(n == 3);
}

}  // namespace
}  // namespace eddy
