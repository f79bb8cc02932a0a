#pragma once
// Date and time patterns as ksqlDB's date/time functions read and write them, and the time
// zones they name. Private to engine/function.
//
// Two pattern dialects share one implementation:
// - kFormatter: java.time.format.DateTimeFormatter (TIMESTAMP functions). Parsing is
//   case-insensitive and must consume the whole text; missing fields default to 1970-01-01
//   00:00 (ksqlDB's StringToTimestampParser).
// - kSimple: java.text.SimpleDateFormat / FastDateFormat in GMT (DATE and TIME functions).
//   Parsing reads a prefix of the text (what follows is ignored), 'u' is the day-of-week
//   number and 'S' is milliseconds.
// Supported letters: G y u M L d D E a h H k K m s S n z Z X x V O; text in '...' ('' is a
// quote); other characters are literals. Other letters are an error.
//
// Zones are Java ZoneIds: "UTC", "GMT", "Z", offsets ("+02:00", "+0200", "-05", "UTC+2"), and
// region ids ("America/Los_Angeles") read from the system time-zone database (TZif files under
// /usr/share/zoneinfo, or $TZDIR).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/status.h"

namespace eddy::javatime {

class Zone {
 public:
  virtual ~Zone() = default;
  // The offset from UTC, in seconds, at an instant (seconds since the epoch).
  virtual int32_t OffsetAt(int64_t utc_seconds) const = 0;
  // The zone's short name at an instant ("PDT", "BST", "UTC"); the offset id for fixed offsets.
  virtual std::string AbbrevAt(int64_t utc_seconds) const = 0;
  // The offset for a local date-time (seconds since the epoch as if local were UTC): in a gap
  // the offset before it, in an overlap the earlier one (Java's ZonedDateTime.ofLocal).
  int32_t OffsetForLocal(int64_t local_seconds) const;
  const std::string& id() const { return id_; }

 protected:
  explicit Zone(std::string id) : id_(std::move(id)) {}

 private:
  std::string id_;
};

using ZonePtr = std::shared_ptr<const Zone>;

// Java's ZoneId.of (cached). An unknown id is an error naming it.
Result<ZonePtr> ZoneOf(std::string_view id);
ZonePtr Utc();

enum class Dialect : uint8_t { kFormatter, kSimple };

struct Token {
  char letter = 0;  // 0: literal
  int count = 0;
  std::string literal;
};

// A compiled pattern (cache it: compiling allocates).
class Pattern {
 public:
  static Result<Pattern> Compile(std::string_view pattern, Dialect dialect);

  // Writes the instant (milliseconds since the epoch) as seen in `zone`.
  std::string Format(int64_t epoch_millis, const Zone& zone) const;
  // Reads an instant; text without a zone or offset is local time in `zone`.
  Result<int64_t> Parse(std::string_view text, const Zone& zone) const;
  // Whether the pattern has a time-of-day field (H, h, k, K, m, s, S, n, a).
  bool has_time_field() const;

 private:
  std::vector<Token> tokens_;
  Dialect dialect_ = Dialect::kFormatter;
};

// The compiled pattern from a per-thread cache (patterns usually repeat record after record).
Result<const Pattern*> CachedPattern(const std::string& pattern, Dialect dialect);

}  // namespace eddy::javatime
