#pragma once
// ksqlDB's JSON format (KsqlJsonDeserializer and Kafka Connect's JsonConverter), read with
// simdjson's on-demand API.
#include <string>

#include "engine/io/format.h"

namespace eddy {

// A row is a JSON object with one member per column, named after the column; a single column
// may instead be the bare value when unwrapped (WRAP_SINGLE_VALUE=false, and keys by default).
//
// Reading follows ksqlDB: member names match columns exactly, or else case-insensitively
// (the member name upper-cased equals the column name); missing members are NULL, extra ones
// ignored. Values are coerced as ksqlDB's Jackson-based reader does: a number or numeric
// string into INT/BIGINT/DOUBLE (fractions truncated, out-of-range integers wrapped, as Java's
// intValue/longValue do), anything into STRING (numbers as Java prints them, objects as compact
// JSON, arrays as "[a, b]"), a number or string into DECIMAL only when it fits the column's
// precision and scale without rounding, base64 strings into BYTES, numbers (or numeric strings)
// into TIMESTAMP (ms), DATE (days) and TIME (ms of the day). Anything else is an error naming
// the JSON type, the required type and the path ("..., path: $.ITEMS[2]").
//
// Writing: DOUBLE as Java's Double.toString (NaN and infinities as the strings "NaN",
// "Infinity", as Jackson writes them), DECIMAL as BigDecimal.toString keeps its scale ("1.50"),
// TIMESTAMP/DATE/TIME as numbers, BYTES as base64, MAP as an object, STRUCT as an object with
// its field names.
class JsonFormat final : public Format {
 public:
  // `columns` must have passed Validate.
  JsonFormat(std::vector<Column> columns, const FormatOptions& options);

  static Status Validate(const std::vector<Column>& columns, const FormatOptions& options);

  using Format::Deserialize;
  Status Deserialize(std::string_view bytes, Row& out, DeserializeOutcome& outcome) const override;
  Status Serialize(const Row& row, std::string& out) const override;
  bool SerializesToNull(const Row& row) const override { return columns_.empty() && is_key_; }
  std::string_view name() const override { return "JSON"; }

 private:
  std::vector<Column> columns_;
  bool unwrapped_ = false;  // a single column written and read as the bare value
  bool is_key_ = false;
};

// Appends `v` (of SQL type `type`) as JSON, exactly as JsonFormat writes a column: for anything
// that shows rows as JSON (the CLI, test diffs). NULL is `null`.
void AppendJsonValue(const Value& v, const Type& type, std::string& out);

}  // namespace eddy
