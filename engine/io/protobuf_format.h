#pragma once
// ksqlDB's PROTOBUF_NOSR format: protobuf without a schema registry. The message is the one
// Confluent's ProtobufData derives from the columns (ksqlDB's ProtobufNoSRConverter), written
// with no magic byte, schema id or message indexes; a hand-written wire-format codec, no protoc.
#include <string>

#include "engine/io/format.h"

namespace eddy {

// The message (proto3): one field per column, numbered 1..n in column order, named after it.
//   BOOLEAN bool, INT int32, BIGINT int64, DOUBLE double, STRING string, BYTES bytes;
//   DECIMAL confluent.type.Decimal {bytes value = 1 (the unscaled value, big-endian two's
//     complement, as BigInteger.toByteArray); uint32 precision = 2; int32 scale = 3};
//   TIMESTAMP google.protobuf.Timestamp {int64 seconds = 1; int32 nanos = 2};
//   DATE google.type.Date {int32 year = 1; int32 month = 2; int32 day = 3}, as Java's
//     GregorianCalendar in UTC gives them (Julian before 1582-10-15, year of the era);
//   TIME google.type.TimeOfDay {int32 hours = 1; minutes = 2; seconds = 3; nanos = 4};
//   STRUCT a nested message (fields 1..n in field order); ARRAY a repeated field (numbers and
//     booleans packed); MAP a repeated entry message {key = 1; value = 2}, STRING keys only.
//
// Nulls follow proto3 without field presence, as ksqlDB's default does: a NULL scalar is not
// written and reads back as its type's default (0, 0.0, false, "", empty bytes); a scalar equal
// to its default is not written either. A NULL STRUCT, DECIMAL, DATE, TIME or TIMESTAMP is not
// written and reads back as NULL; an empty or NULL ARRAY or MAP is not written and reads back
// empty. A NULL element of an ARRAY cannot be written (an error, as in ksqlDB).
//
// A single column that is unwrapped (keys by default, values with WRAP_SINGLE_VALUE=false) is
// the root message itself: a primitive as google.protobuf's wrapper message (the value in field
// 1), a STRUCT as its own message, a DECIMAL/DATE/TIME/TIMESTAMP as its message; an unwrapped
// ARRAY or MAP is rejected, as Confluent's converter rejects it ("Unsupported root schema").
//
// Reading accepts what protobuf parsers accept: fields in any order, unknown fields and fields
// of an unexpected wire type skipped, packed or unpacked repeated numbers, the last of repeated
// scalar occurrences, repeated STRUCT occurrences merged. Strings must be valid UTF-8. A DECIMAL
// must fit the column (DecimalUtil.ensureFit); a DATE, TIME or TIMESTAMP out of its type's range
// is an error. Errors name the column.
class ProtobufFormat final : public Format {
 public:
  // `columns` must have passed Validate.
  ProtobufFormat(std::vector<Column> columns, const FormatOptions& options);

  // Map keys must be STRING ("PROTOBUF format only supports MAP types with STRING keys. ...");
  // an ARRAY of ARRAYs or of MAPs, and an unwrapped single ARRAY or MAP, have no protobuf form.
  static Status Validate(const std::vector<Column>& columns, const FormatOptions& options);

  using Format::Deserialize;
  Status Deserialize(std::string_view bytes, Row& out, DeserializeOutcome& outcome) const override;
  Status Serialize(const Row& row, std::string& out) const override;
  // A key without columns, and an unwrapped single column that is NULL, are written as null.
  bool SerializesToNull(const Row& row) const override;
  std::string_view name() const override { return "PROTOBUF_NOSR"; }

 private:
  std::vector<Column> columns_;
  bool unwrapped_ = false;  // a single column that is the root message itself
  bool is_key_ = false;
};

}  // namespace eddy
