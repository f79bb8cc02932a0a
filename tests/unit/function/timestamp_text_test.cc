// Event times read from text: TIMESTAMP_FORMAT columns and the string literals ksqlDB compares
// with ROWTIME / WINDOWSTART / WINDOWEND. Expected values come from ksqlDB's QTT files
// (timestamp-extractor.json, timestampformat.json, magic-timestamp-conversion.json) or are worked
// out by hand (2018-01-01T00:00:00Z is 1514764800000; 2019-01-01T00:00:00Z is 1546300800000).
#include <catch2/catch.hpp>

#include "engine/function/timestamp_text.h"

using namespace eddy;

TEST_CASE("TIMESTAMP_FORMAT patterns read event times in UTC", "[timestamp_text]") {
  auto p = TimestampTextParser::Make("yy-MM-dd HH:mm:ssX");
  REQUIRE(p.ok());
  CHECK(p->Parse("10-04-19 12:00:17Z").value() == 1271678417000);
  CHECK_FALSE(p->Parse("!!!!!!!!!!!!!!!!!").ok());

  auto ms = TimestampTextParser::Make("yyyy-MM-dd'T'HH:mm:ss.SX");
  REQUIRE(ms.ok());
  CHECK(ms->Parse("2019-08-27T13:31:09.2+0000").value() == 1566912669200);

  auto local = TimestampTextParser::Make("yyyy-MM-dd HH:mm");
  REQUIRE(local.ok());
  CHECK(local->Parse("2018-01-01 00:01").value() == 1514764800000 + 60000);
}

TEST_CASE("an invalid TIMESTAMP_FORMAT pattern is an error", "[timestamp_text]") {
  auto p = TimestampTextParser::Make("yyyy-bb");
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().message().find("b") != std::string::npos);
}

TEST_CASE("partial timestamps fill in what is missing", "[timestamp_text]") {
  CHECK(ParsePartialTimestamp("2018").value() == 1514764800000);
  CHECK(ParsePartialTimestamp("2019-01").value() == 1546300800000);
  CHECK(ParsePartialTimestamp("2019-01-01").value() == 1546300800000);
  CHECK(ParsePartialTimestamp("2018-01-01T10").value() == 1514764800000 + 10 * 3600000);
  CHECK(ParsePartialTimestamp("2018-01-01T00:00:00.001").value() == 1514764800001);
  CHECK(ParsePartialTimestamp("2018-01-01T00:00:01").value() == 1514764801000);
  CHECK(ParsePartialTimestamp("2019-01-01T00:00:00").value() == 1546300800000);
}

TEST_CASE("partial timestamps take a numeric zone after the time", "[timestamp_text]") {
  // 4 h 45 min ahead of UTC: the same wall-clock time is 17,100,000 ms earlier.
  CHECK(ParsePartialTimestamp("2019-01-01T00:00:00+0445").value() == 1546300800000 - 17100000);
  CHECK(ParsePartialTimestamp("2020-02-10T08:31:44.001+0000").value() == 1581323504001);
  CHECK(ParsePartialTimestamp("2019-01-01T00:00:00.000-0100").value() == 1546300800000 + 3600000);
}

TEST_CASE("text that is no timestamp says what is required", "[timestamp_text]") {
  auto r = ParsePartialTimestamp("not a date");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("Failed to parse timestamp 'not a date'") != std::string::npos);
  CHECK(r.status().message().find("Required format is") != std::string::npos);
  CHECK_FALSE(ParsePartialTimestamp("2019-01-01T00:00:00+99").ok());
}
