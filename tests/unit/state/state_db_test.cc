#include <catch2/catch.hpp>

#include <filesystem>

#include "engine/common/value_codec.h"
#include "engine/state/state_db.h"

using namespace eddy;

TEST_CASE("StateDb reads its own pending writes and keeps committed ones across a reopen", "[state]") {
  auto dir = std::filesystem::temp_directory_path() / ("eddy-state-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto db = StateDb::Open(dir.string());
    REQUIRE(db.ok());
    auto store = db.value()->Store("agg");
    REQUIRE(store.ok());
    std::string v;
    CHECK_FALSE(store.value()->Get("k1", &v).value());
    REQUIRE(store.value()->Put("k1", "one").ok());
    REQUIRE(store.value()->Get("k1", &v).value());
    CHECK(v == "one");
    REQUIRE(store.value()->Put("k2", "two").ok());
    REQUIRE(store.value()->Delete("k2").ok());
    REQUIRE(db.value()->Commit().ok());
    REQUIRE(store.value()->Put("k3", "uncommitted").ok());
  }
  {
    auto db = StateDb::Open(dir.string());
    REQUIRE(db.ok());
    auto store = db.value()->Store("agg");
    std::string v;
    REQUIRE(store.value()->Get("k1", &v).value());
    CHECK(v == "one");
    CHECK_FALSE(store.value()->Get("k2", &v).value());
    CHECK_FALSE(store.value()->Get("k3", &v).value());
    int n = 0;
    REQUIRE(store.value()->Scan([&](std::string_view, std::string_view) { return ++n, true; }).ok());
    CHECK(n == 1);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("value codec round-trips every kind of value", "[state][codec]") {
  Row row = {Value(), Value::Boolean(true), Value::Int(-7), Value::Bigint(1LL << 40), Value::Double(2.5),
             Value::Dec(Decimal{-12345, 3}), Value::String("héllo"), Value::Blob(std::string("\0\1", 2)),
             Value::Ts(1700000000000), Value::Array({Value::Int(1), Value()}),
             Value::Map({{Value::String("a"), Value::Int(1)}}), Value::Struct({Value::String("x"), Value::Double(1)})};
  std::string bytes;
  EncodeRow(row, bytes);
  auto back = DecodeRow(bytes);
  REQUIRE(back.ok());
  CHECK(back.value() == row);
  // Truncated input is an error, not a crash.
  CHECK_FALSE(DecodeRow(std::string_view(bytes).substr(0, bytes.size() / 2)).ok());
}

TEST_CASE("stored state carries a version byte and a foreign one is refused", "[state][codec]") {
  std::string bytes;
  EncodeState({Value::Int(7), Value::String("x")}, bytes);
  REQUIRE(static_cast<uint8_t>(bytes[0]) == kStateFormatVersion);
  auto back = DecodeState(bytes, "test");
  REQUIRE(back.ok());
  CHECK(back.value() == Row{Value::Int(7), Value::String("x")});
  bytes[0] = static_cast<char>(kStateFormatVersion + 1);
  auto foreign = DecodeState(bytes, "test");
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.status().message().find("test state has an unknown format version") != std::string::npos);
  CHECK_FALSE(DecodeState("", "test").ok());
}

TEST_CASE("StateDb's store cache is bounded and writes back what it drops", "[state]") {
  auto dir = std::filesystem::temp_directory_path() / ("eddy-state-cache-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const int kKeys = 250000;  // more than one cache holds (100,000 entries)
  auto key = [](int i) { return "key-" + std::to_string(i); };
  {
    auto db = StateDb::Open(dir.string());
    REQUIRE(db.ok());
    KvStore* store = db.value()->Store("agg").value();
    bool all_ok = true;
    for (int i = 0; i < kKeys; ++i) all_ok = store->Put(key(i), std::to_string(i)).ok() && all_ok;
    REQUIRE(all_ok);
    CHECK(db.value()->pending_writes() == static_cast<size_t>(kKeys));
    // Overwrite and delete some keys, both still cached and long since written back.
    for (int i : {0, 1, kKeys - 1, kKeys - 2}) REQUIRE(store->Put(key(i), "new").ok());
    REQUIRE(store->Delete(key(5)).ok());
    REQUIRE(store->Delete(key(kKeys - 5)).ok());
    std::string v;
    REQUIRE(store->Get(key(0), &v).value());
    CHECK(v == "new");
    CHECK_FALSE(store->Get(key(5), &v).value());
    REQUIRE(store->Get(key(1000), &v).value());
    CHECK(v == "1000");
    REQUIRE(db.value()->Commit().ok());
    CHECK(db.value()->pending_writes() == 0);
  }
  auto db = StateDb::Open(dir.string());
  REQUIRE(db.ok());
  KvStore* store = db.value()->Store("agg").value();
  int n = 0;
  REQUIRE(store->Scan([&](std::string_view, std::string_view) { return ++n, true; }).ok());
  CHECK(n == kKeys - 2);
  std::string v;
  for (int i : {0, 1, kKeys - 1, kKeys - 2}) {
    REQUIRE(store->Get(key(i), &v).value());
    CHECK(v == "new");
  }
  CHECK_FALSE(store->Get(key(kKeys - 5), &v).value());
  REQUIRE(store->Get(key(123456), &v).value());
  CHECK(v == "123456");
  std::filesystem::remove_all(dir);
}
