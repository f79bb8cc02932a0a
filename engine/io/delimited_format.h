#pragma once
// ksqlDB's DELIMITED format: one CSV record per Kafka record, as Apache Commons CSV
// (CSVFormat.DEFAULT with the chosen delimiter) reads and writes it for ksqlDB.
#include <string>

#include "engine/io/format.h"

namespace eddy {

// Reading: the first CSV record of the bytes; `"` quotes fields, `""` inside quotes is a
// quote; it must have exactly one field per column. An empty field is NULL. Fields are parsed
// as Java does: Boolean.parseBoolean (anything but "true" in any case is false),
// Integer.parseInt, Long.parseLong, Double.parseDouble, new BigDecimal (which must fit the
// column without rounding), base64 for BYTES, numbers for TIMESTAMP (ms), DATE (days), TIME
// (ms of the day).
//
// Writing: fields joined by the delimiter, NULL as nothing, DOUBLE as Java's Double.toString,
// DECIMAL in plain notation keeping its scale, BYTES as base64. Fields are quoted the way
// Commons CSV's MINIMAL mode decides it: a first field that is empty or starts with anything
// but a letter or digit ("-10" -> "\"-10\""), any field starting with a character up to '#',
// containing the delimiter, a quote or a line break, or ending in a space or control
// character.
//
// ARRAY, MAP and STRUCT are not supported, as in ksqlDB ("The 'DELIMITED' format does not
// support type 'ARRAY', column: `K`").
class DelimitedFormat final : public Format {
 public:
  // `columns` must have passed Validate.
  DelimitedFormat(std::vector<Column> columns, const FormatOptions& options);

  static Status Validate(const std::vector<Column>& columns, const FormatOptions& options);

  using Format::Deserialize;
  Status Deserialize(std::string_view bytes, Row& out, DeserializeOutcome& outcome) const override;
  Status Serialize(const Row& row, std::string& out) const override;
  // A key whose columns are all NULL (or that has none) is a null key, as ksqlDB writes it; a
  // value always has bytes.
  bool SerializesToNull(const Row& row) const override;
  std::string_view name() const override { return "DELIMITED"; }

 private:
  std::vector<Column> columns_;
  char delimiter_ = ',';
  bool is_key_ = false;
};

}  // namespace eddy
