#include "engine/io/format.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/io/delimited_format.h"
#include "engine/io/json_format.h"
#include "engine/io/kafka_format.h"
#include "engine/io/protobuf_format.h"

namespace eddy {
namespace {

// ksqlDB's NONE format: no columns, nothing read, nothing written.
class NoneFormat final : public Format {
 public:
  using Format::Deserialize;
  Status Deserialize(std::string_view, Row& out, DeserializeOutcome& outcome) const override {
    outcome = DeserializeOutcome::kRow;
    out.clear();
    return Status::Ok();
  }
  Status Serialize(const Row&, std::string& out) const override {
    out.clear();
    return Status::Ok();
  }
  bool SerializesToNull(const Row&) const override { return true; }
  std::string_view name() const override { return "NONE"; }
};

// A value schema with header columns (HEADERS, HEADER('k')): those columns are not in the bytes
// (the source fills them from the record's headers), so the format proper serves the other
// columns, and this moves its values to and from their places in the full row, where the header
// columns' slots stay NULL. Only sources declaring header columns pay for the copy.
class HeaderSkippingFormat final : public Format {
 public:
  HeaderSkippingFormat(std::unique_ptr<Format> inner, std::vector<size_t> positions, size_t width)
      : inner_(std::move(inner)), positions_(std::move(positions)), width_(width) {}
  using Format::Deserialize;
  Status Deserialize(std::string_view bytes, Row& out, DeserializeOutcome& outcome) const override {
    thread_local Row scratch;
    scratch.assign(positions_.size(), Value::Null());
    RETURN_IF_ERROR(inner_->Deserialize(bytes, scratch, outcome));
    out.assign(width_, Value::Null());
    for (size_t i = 0; i < positions_.size() && i < scratch.size(); ++i) out[positions_[i]] = std::move(scratch[i]);
    return Status::Ok();
  }
  Status Serialize(const Row& row, std::string& out) const override { return inner_->Serialize(Project(row), out); }
  bool SerializesToNull(const Row& row) const override { return inner_->SerializesToNull(Project(row)); }
  std::string_view name() const override { return inner_->name(); }

 private:
  const Row& Project(const Row& row) const {
    thread_local Row scratch;
    scratch.assign(positions_.size(), Value::Null());
    for (size_t i = 0; i < positions_.size(); ++i)
      if (positions_[i] < row.size()) scratch[i] = row[positions_[i]];
    return scratch;
  }
  std::unique_ptr<Format> inner_;
  std::vector<size_t> positions_;  // of each inner column in the full row
  size_t width_;
};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

}  // namespace

Status Format::Deserialize(std::string_view bytes, Row& out) const {
  DeserializeOutcome outcome;
  Status st = Deserialize(bytes, out, outcome);
  if (st.ok() && outcome == DeserializeOutcome::kNullValue) out.assign(out.size(), Value::Null());
  return st;
}

Result<std::unique_ptr<Format>> MakeFormat(std::string_view name, const std::vector<Column>& columns,
                                           const FormatOptions& options) {
  if (std::any_of(columns.begin(), columns.end(), [](const Column& c) { return c.role == ColumnRole::kHeader; })) {
    std::vector<Column> serialized;
    std::vector<size_t> positions;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].role == ColumnRole::kHeader) continue;
      serialized.push_back(columns[i]);
      positions.push_back(i);
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Format> inner, MakeFormat(name, serialized, options));
    return std::unique_ptr<Format>(
        std::make_unique<HeaderSkippingFormat>(std::move(inner), std::move(positions), columns.size()));
  }
  const std::string upper = Upper(name);
  if (upper == "NONE") {
    if (!columns.empty()) {
      return Status::Invalid("The 'NONE' format can only be used when no columns are defined. Got: " +
                             ColumnListString(columns));
    }
    return std::unique_ptr<Format>(std::make_unique<NoneFormat>());
  }
  if (upper == "KAFKA") {
    RETURN_IF_ERROR(KafkaFormat::Validate(columns, options));
    return std::unique_ptr<Format>(std::make_unique<KafkaFormat>(columns));
  }
  if (upper == "JSON") {
    RETURN_IF_ERROR(JsonFormat::Validate(columns, options));
    return std::unique_ptr<Format>(std::make_unique<JsonFormat>(columns, options));
  }
  if (upper == "DELIMITED") {
    RETURN_IF_ERROR(DelimitedFormat::Validate(columns, options));
    return std::unique_ptr<Format>(std::make_unique<DelimitedFormat>(columns, options));
  }
  if (upper == "PROTOBUF_NOSR") {
    RETURN_IF_ERROR(ProtobufFormat::Validate(columns, options));
    return std::unique_ptr<Format>(std::make_unique<ProtobufFormat>(columns, options));
  }
  if (upper == "AVRO" || upper == "PROTOBUF" || upper == "JSON_SR") {
    return Status::Unsupported(fmt::format("The '{}' format is not supported yet", upper));
  }
  return Status::Invalid("Unknown format: " + upper);
}

std::string ColumnListString(const std::vector<Column>& columns) {
  std::string out = "[";
  for (size_t i = 0; i < columns.size(); ++i) {
    const Column& c = columns[i];
    if (i) out += ", ";
    out += fmt::format("`{}` {}", c.name, c.type->ToString());
    if (c.role == ColumnRole::kKey) {
      out += " KEY";
    } else if (c.role == ColumnRole::kHeader) {
      out += c.header_key.empty() ? " HEADERS" : fmt::format(" HEADER('{}')", c.header_key);
    }
  }
  return out + "]";
}

std::string_view SqlBaseTypeName(const Type& type) {
  switch (type.kind) {
    case TypeKind::kBoolean: return "BOOLEAN";
    case TypeKind::kInt: return "INTEGER";
    case TypeKind::kBigint: return "BIGINT";
    case TypeKind::kDouble: return "DOUBLE";
    case TypeKind::kDecimal: return "DECIMAL";
    case TypeKind::kString: return "STRING";
    case TypeKind::kBytes: return "BYTES";
    case TypeKind::kTimestamp: return "TIMESTAMP";
    case TypeKind::kDate: return "DATE";
    case TypeKind::kTime: return "TIME";
    case TypeKind::kArray: return "ARRAY";
    case TypeKind::kMap: return "MAP";
    case TypeKind::kStruct: return "STRUCT";
  }
  return "UNKNOWN";
}

void AppendBase64(std::string_view bytes, std::string& out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return;
  uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
  if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
  out.push_back(kAlphabet[(n >> 18) & 63]);
  out.push_back(kAlphabet[(n >> 12) & 63]);
  out.push_back(rest == 2 ? kAlphabet[(n >> 6) & 63] : '=');
  out.push_back('=');
}

bool DecodeBase64(std::string_view text, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  // Padding, when present, must complete the last quantum ("QQ==", "QUI=").
  size_t data_len = text.size();
  if (!text.empty() && text.back() == '=') {
    if (text.size() % 4 != 0) return false;
    data_len = text.size() - (text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1);
  }
  if (data_len % 4 == 1) return false;
  out.clear();
  out.reserve(data_len * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < data_len; ++i) {
    const int v = value(text[i]);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover low bits of the last character are dropped, as Java's decoder drops them.
  return true;
}

}  // namespace eddy
