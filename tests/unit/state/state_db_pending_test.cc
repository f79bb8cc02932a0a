#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "engine/state/state_db.h"

using namespace eddy;

// What Kafka mode writes to a store's changelog at a commit: the last pending change per key.
TEST_CASE("StateDb lists a store's pending writes, the last per key, until the commit", "[state]") {
  StateDbOptions options;
  options.in_memory = true;
  auto db = StateDb::Open("/pending-test", options);
  REQUIRE(db.ok());
  KvStore* agg = db.value()->Store("q1.agg").value();
  KvStore* other = db.value()->Store("q1.other").value();
  REQUIRE(agg->Put("a", "1").ok());
  REQUIRE(agg->Put("b", "2").ok());
  REQUIRE(agg->Put("a", "3").ok());
  REQUIRE(agg->Delete("b").ok());
  REQUIRE(agg->Put("c", "4").ok());
  REQUIRE(other->Put("x", "9").ok());

  auto pending = [&](const std::string& store) {
    std::map<std::string, std::optional<std::string>> out;
    REQUIRE(db.value()->ForEachPending(store, [&](std::string_view k, const std::string_view* v) {
      out[std::string(k)] = v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
      return Status::Ok();
    }).ok());
    return out;
  };
  std::map<std::string, std::optional<std::string>> want = {{"a", "3"}, {"b", std::nullopt}, {"c", "4"}};
  CHECK(pending("q1.agg") == want);
  CHECK(pending("q1.other").size() == 1);
  CHECK(pending("no.such.store").empty());
  auto names = db.value()->StoreNames();
  CHECK(std::find(names.begin(), names.end(), "q1.agg") != names.end());
  CHECK(std::find(names.begin(), names.end(), "q1.other") != names.end());

  REQUIRE(db.value()->Commit().ok());
  CHECK(pending("q1.agg").empty());
}
