#pragma once
// Record: what flows between operators. A key row, a value row or a tombstone, the event
// timestamp, an optional window, and where it came from.
#include <cstdint>
#include <optional>

#include "engine/common/value.h"

namespace eddy {

struct Window {
  int64_t start = 0;
  int64_t end = 0;
  bool operator==(const Window&) const = default;
};

struct Record {
  Row key;
  std::optional<Row> value;  // nullopt: a tombstone (a deleted table row)
  int64_t timestamp = 0;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<Window> window;
  // The key was null on the topic and nothing has re-keyed the record since: a sink writes a
  // null key, not a key of null columns (ksqlDB keeps a null key null until a re-key).
  bool null_key = false;

  bool is_tombstone() const { return !value.has_value(); }
};

// A serialized record as it sits on a topic.
struct RawRecord {
  std::optional<std::string> key;    // nullopt: a null key
  std::optional<std::string> value;  // nullopt: a null value (tombstone)
  int64_t timestamp = 0;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<Window> window;
};

}  // namespace eddy
