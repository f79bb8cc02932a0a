#pragma once
// EventTimeColumn: the column a WITH (TIMESTAMP='col' [, TIMESTAMP_FORMAT='pattern']) names,
// read from a record. A source takes each record's event time from it (ksqlDB's timestamp
// extractor); a C*AS sink stamps each output record with it.
#include <cstdint>
#include <optional>
#include <string>

#include "engine/common/record.h"
#include "engine/common/status.h"
#include "engine/function/timestamp_text.h"

namespace eddy {

struct EventTimeColumn {
  std::string name;       // for messages
  size_t index = 0;       // in the key row if in_key, else in the value row
  bool in_key = false;
  std::optional<TimestampTextParser> parser;  // a STRING column with TIMESTAMP_FORMAT

  // The event time in `rec` (which must have a value unless in_key); may be negative. A null,
  // or text the pattern does not match, is an error saying so.
  Result<int64_t> Extract(const Record& rec) const;
};

}  // namespace eddy
