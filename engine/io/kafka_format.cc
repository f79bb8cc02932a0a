#include "engine/io/kafka_format.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstring>

namespace eddy {
namespace {

template <typename U>
U ReadBigEndian(std::string_view bytes) {
  U v = 0;
  for (size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | static_cast<unsigned char>(bytes[i]));
  return v;
}

template <typename U>
void WriteBigEndian(U v, std::string& out) {
  for (int i = static_cast<int>(sizeof(U)) - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

}  // namespace

KafkaFormat::KafkaFormat(std::vector<Column> columns) : columns_(std::move(columns)) {}

Status KafkaFormat::Validate(const std::vector<Column>& columns, const FormatOptions& options) {
  if (options.wrap_single_value.value_or(false) && !options.is_key) {
    return Status::Invalid("Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
  }
  if (columns.size() > 1) {
    return Status::Invalid("The 'KAFKA' format only supports a single field. Got: " +
                           ColumnListString(columns));
  }
  for (const Column& c : columns) {
    switch (c.type->kind) {
      case TypeKind::kInt:
      case TypeKind::kBigint:
      case TypeKind::kDouble:
      case TypeKind::kString:
      case TypeKind::kBytes:
        break;
      default:
        return Status::Invalid(fmt::format("The 'KAFKA' format does not support type '{}'",
                                           SqlBaseTypeName(*c.type)));
    }
  }
  return Status::Ok();
}

Status KafkaFormat::Deserialize(std::string_view bytes, Row& out,
                                DeserializeOutcome& outcome) const {
  outcome = DeserializeOutcome::kRow;
  out.resize(columns_.size());
  if (columns_.empty()) return Status::Ok();
  switch (columns_[0].type->kind) {
    case TypeKind::kInt:
      if (bytes.size() != 4) {
        return Status::Invalid("Size of data received by IntegerDeserializer is not 4");
      }
      out[0] = Value::Int(static_cast<int32_t>(ReadBigEndian<uint32_t>(bytes)));
      return Status::Ok();
    case TypeKind::kBigint:
      if (bytes.size() != 8) {
        return Status::Invalid("Size of data received by LongDeserializer is not 8");
      }
      out[0] = Value::Bigint(static_cast<int64_t>(ReadBigEndian<uint64_t>(bytes)));
      return Status::Ok();
    case TypeKind::kDouble:
      if (bytes.size() != 8) {
        return Status::Invalid("Size of data received by DoubleDeserializer is not 8");
      }
      out[0] = Value::Double(std::bit_cast<double>(ReadBigEndian<uint64_t>(bytes)));
      return Status::Ok();
    case TypeKind::kString:
      out[0] = Value::String(std::string(bytes));
      return Status::Ok();
    case TypeKind::kBytes:
      out[0] = Value::Blob(std::string(bytes));
      return Status::Ok();
    default:
      return Status::Internal("KAFKA format built for an unsupported type");
  }
}

Status KafkaFormat::Serialize(const Row& row, std::string& out) const {
  out.clear();
  if (columns_.empty()) return Status::Ok();
  if (row.size() != 1) {
    return Status::Invalid(fmt::format(
        "Column count mismatch on serialization: expected 1 column, got {}", row.size()));
  }
  const Value& v = row[0];
  // A null serializes to no bytes at all; Kafka's serializers return null for null.
  if (v.is_null()) return Status::Ok();
  switch (columns_[0].type->kind) {
    case TypeKind::kInt:
      if (!v.is_int() && !v.is_bigint()) break;
      WriteBigEndian(static_cast<uint32_t>(static_cast<int32_t>(v.ToInt64())), out);
      return Status::Ok();
    case TypeKind::kBigint:
      if (!v.is_int() && !v.is_bigint()) break;
      WriteBigEndian(static_cast<uint64_t>(v.ToInt64()), out);
      return Status::Ok();
    case TypeKind::kDouble: {
      if (!v.is_double()) break;
      // Java's doubleToLongBits: every NaN is written as the canonical one.
      const double d = v.as_double();
      const uint64_t bits = std::isnan(d) ? 0x7ff8000000000000ULL : std::bit_cast<uint64_t>(d);
      WriteBigEndian(bits, out);
      return Status::Ok();
    }
    case TypeKind::kString:
      if (!v.is_string()) break;
      out.append(v.as_string());
      return Status::Ok();
    case TypeKind::kBytes:
      if (!v.is_bytes()) break;
      out.append(v.as_bytes());
      return Status::Ok();
    default:
      break;
  }
  return Status::Invalid(fmt::format("KAFKA format: value {} does not match column type {}",
                                     v.DebugString(), columns_[0].type->ToString()));
}

}  // namespace eddy
