#pragma once
// Serialization formats: how one side (key or value) of a Kafka record maps to a Row, as
// ksqlDB's KAFKA, JSON, DELIMITED, NONE and PROTOBUF_NOSR formats do it.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/schema.h"
#include "engine/common/status.h"
#include "engine/common/value.h"

namespace eddy {

struct FormatOptions {
  // WRAP_SINGLE_VALUE for a one-column schema: true writes/reads an object ({"V": 10}), false
  // the bare value (10). Unset: wrapped for values, unwrapped for keys (ksqlDB's defaults).
  // Ignored when there is not exactly one column.
  std::optional<bool> wrap_single_value;
  // DELIMITED's field separator; default ','. (SPACE and TAB are resolved by the caller.)
  char delimiter = ',';
  // Which side of the record this format serves; default value.
  bool is_key = false;
};

// What Deserialize found.
enum class DeserializeOutcome : uint8_t {
  kRow,        // `out` holds the row
  kNullValue,  // the bytes encode null as a whole (JSON `null`): treat like a null value
};

// Serializes and deserializes one side of a record against a fixed list of columns. Built once
// per source or sink by MakeFormat, then used for every record; const and free of per-call
// state, so any number of task threads may share one.
class Format {
 public:
  virtual ~Format() = default;

  // Parses `bytes` (never called for a null key/value: that is the caller's tombstone) into
  // `out`, resized to the columns. A record that cannot be read returns Invalid with a plain
  // message saying why (it becomes a processing-log entry and the record is skipped).
  virtual Status Deserialize(std::string_view bytes, Row& out,
                             DeserializeOutcome& outcome) const = 0;
  // As above, reporting a kNullValue outcome as a row of NULLs.
  Status Deserialize(std::string_view bytes, Row& out) const;

  // Writes `row` (one value per column) into `out`, replacing its contents; reusing one `out`
  // across records reuses its buffer.
  virtual Status Serialize(const Row& row, std::string& out) const = 0;

  // True when `row` is written as a null key or value rather than as bytes (Serialize then
  // leaves `out` empty): always for NONE and for a format without columns, and for KAFKA when
  // its column is NULL (Kafka's own serializers turn null into null).
  virtual bool SerializesToNull(const Row& row) const { return false; }

  // "KAFKA", "JSON", "DELIMITED", "NONE", "PROTOBUF_NOSR".
  virtual std::string_view name() const = 0;
};

// Builds the format `name` (case-insensitive: KAFKA, JSON, DELIMITED, NONE, PROTOBUF_NOSR) for
// `columns`.
// Rejects what ksqlDB rejects, with its messages: "Unknown format: FOO", "The 'KAFKA' format
// does not support type 'BOOLEAN'", "The 'DELIMITED' format does not support type 'ARRAY'",
// "JSON only supports MAP types with STRING keys", "The 'NONE' format can only be used when no
// columns are defined. Got: [...]". ksqlDB's schema-registry formats (AVRO, PROTOBUF, JSON_SR)
// are Unsupported.
Result<std::unique_ptr<Format>> MakeFormat(std::string_view name, const std::vector<Column>& columns,
                                           const FormatOptions& options = {});

// ksqlDB's rendering of a column list in messages: "[`K` STRING KEY, `V` INTEGER]".
std::string ColumnListString(const std::vector<Column>& columns);
// ksqlDB's name of a type's base type in format messages: INTEGER, BIGINT, ARRAY, STRUCT, ...
std::string_view SqlBaseTypeName(const Type& type);

// Base64 as ksqlDB writes BYTES in JSON and DELIMITED: standard alphabet, padded.
void AppendBase64(std::string_view bytes, std::string& out);
// Decodes standard base64 as java.util.Base64's basic decoder does: padding may be left off,
// but padding that is present must be complete; false when invalid.
bool DecodeBase64(std::string_view text, std::string& out);

}  // namespace eddy
