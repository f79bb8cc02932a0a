#pragma once
// Record: what flows between operators. A key row, a value row or a tombstone, the event
// timestamp, an optional window, and where it came from.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

// One Kafka record header: a key and a value that may be null. A record's headers keep their
// order, and a key may repeat (ksqlDB's HEADER('k') column reads the last one).
struct Header {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const Header&) const = default;
};
using Headers = std::vector<Header>;
// Shared and immutable: a record's headers travel from its input to every record it causes
// (as Kafka Streams forwards them) by reference count, and most records have none (null).
using HeadersPtr = std::shared_ptr<const Headers>;

// A serialized record as it sits on a topic.
struct RawRecord {
  std::optional<std::string> key;    // nullopt: a null key
  std::optional<std::string> value;  // nullopt: a null value (tombstone)
  int64_t timestamp = 0;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<Window> window;
  HeadersPtr headers;  // null: no headers
};

}  // namespace eddy
