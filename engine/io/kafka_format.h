#pragma once
// ksqlDB's KAFKA format: one primitive column in Kafka's own serializers' encoding. Used mostly
// for keys.
#include "engine/io/format.h"

namespace eddy {

// INT is 4 bytes big-endian, BIGINT 8 bytes big-endian, DOUBLE the 8 bytes of its IEEE-754
// bits big-endian, STRING its UTF-8 bytes, BYTES the bytes themselves. No columns: nothing is
// read or written (a null key). Any other type, or more than one column, is rejected by
// Validate, as ksqlDB does.
class KafkaFormat final : public Format {
 public:
  // `columns` must have passed Validate.
  explicit KafkaFormat(std::vector<Column> columns);

  static Status Validate(const std::vector<Column>& columns, const FormatOptions& options);

  using Format::Deserialize;
  Status Deserialize(std::string_view bytes, Row& out, DeserializeOutcome& outcome) const override;
  Status Serialize(const Row& row, std::string& out) const override;
  bool SerializesToNull(const Row& row) const override {
    return columns_.empty() || row.empty() || row[0].is_null();
  }
  std::string_view name() const override { return "KAFKA"; }

 private:
  std::vector<Column> columns_;
};

}  // namespace eddy
