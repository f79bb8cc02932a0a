#pragma once
// Event times read from text, as ksqlDB reads them outside of functions:
// - TimestampTextParser: a TIMESTAMP column of type STRING with a TIMESTAMP_FORMAT (a Java
//   DateTimeFormatter pattern; text without a zone is UTC), on a source or a sink;
// - ParsePartialTimestamp: a string literal compared with ROWTIME, WINDOWSTART or WINDOWEND in
//   a WHERE clause ('2018', '2018-01-01T00:00', '2019-01-01T00:00:00+0445'), which ksqlDB
//   turns into epoch milliseconds before it plans the query.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/common/status.h"

namespace eddy {

namespace javatime {
class Pattern;
}

class TimestampTextParser {
 public:
  // An invalid pattern is an error that says why.
  static Result<TimestampTextParser> Make(const std::string& pattern);
  // Milliseconds since the epoch; text that does not match the pattern is an error.
  Result<int64_t> Parse(std::string_view text) const;
  const std::string& pattern() const { return pattern_text_; }

 private:
  std::shared_ptr<const javatime::Pattern> pattern_;
  std::string pattern_text_;
};

// 'yyyy[-MM[-dd]]' or 'yyyy-MM-ddT<any prefix of HH:mm:ss.SSS>', optionally followed by a
// numeric zone ('+0445', '-05:00'); what is missing is filled in from 1970-01-01T00:00:00.000
// in UTC. The error names the text and the required format, as ksqlDB's does.
Result<int64_t> ParsePartialTimestamp(std::string_view text);

}  // namespace eddy
