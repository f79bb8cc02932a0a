#include "engine/io/delimited_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "engine/common/decimal_ops.h"
#include "engine/common/java_format.h"

namespace eddy {
namespace {

constexpr char kQuote = '"';

bool IsEol(char c) { return c == '\n' || c == '\r'; }

// Character.isWhitespace for the ASCII range, which is all that can follow a closing quote
// before the delimiter (line breaks are handled before this is asked).
bool IsJavaWhitespace(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u == ' ' || u == '\t' || u == 0x0B || u == 0x0C || (u >= 0x1C && u <= 0x1F);
}

// Splits the first CSV record of `s` into fields, as Commons CSV's lexer does with
// CSVFormat.DEFAULT (empty lines skipped, no escape character, no trimming). `fields` keeps its
// strings between calls so their buffers are reused; `count` says how many are filled.
Status ParseFirstRecord(std::string_view s, char delim, std::vector<std::string>& fields,
                        size_t& count) {
  count = 0;
  size_t pos = 0;
  // Empty lines before the record are ignored.
  while (pos < s.size() && IsEol(s[pos])) ++pos;
  if (pos >= s.size()) return Status::Invalid("No fields in record");
  auto next_field = [&]() -> std::string& {
    if (count == fields.size()) fields.emplace_back();
    std::string& f = fields[count++];
    f.clear();
    return f;
  };
  while (true) {
    std::string& field = next_field();
    if (pos >= s.size()) return Status::Ok();  // after a trailing delimiter: one empty field
    const char c = s[pos];
    if (c == delim) {
      ++pos;
      continue;
    }
    if (IsEol(c)) return Status::Ok();
    if (c == kQuote) {
      ++pos;
      while (true) {
        if (pos >= s.size()) {
          return Status::Invalid("EOF reached before encapsulated token finished");
        }
        const char q = s[pos++];
        if (q != kQuote) {
          field.push_back(q);
          continue;
        }
        if (pos < s.size() && s[pos] == kQuote) {  // "" inside quotes
          field.push_back(kQuote);
          ++pos;
          continue;
        }
        break;  // closing quote
      }
      // Only whitespace may sit between the closing quote and what ends the field.
      while (true) {
        if (pos >= s.size()) return Status::Ok();
        const char a = s[pos];
        if (a == delim) {
          ++pos;
          break;
        }
        if (IsEol(a)) return Status::Ok();
        if (!IsJavaWhitespace(a)) {
          return Status::Invalid("invalid char between encapsulated token and delimiter");
        }
        ++pos;
      }
      continue;
    }
    // A plain field runs to the delimiter, the end of the line or the end of the input.
    const size_t start = pos;
    while (pos < s.size() && s[pos] != delim && !IsEol(s[pos])) ++pos;
    field.append(s.data() + start, pos - start);
    if (pos >= s.size() || IsEol(s[pos])) return Status::Ok();
    ++pos;  // the delimiter
  }
}

Status ParseField(std::string_view text, const Type& type, Value& out) {
  auto bad = [&]() {
    return Status::Invalid(fmt::format("Cannot parse '{}' as {}", text, type.ToString()));
  };
  switch (type.kind) {
    case TypeKind::kBoolean:
      out = Value::Boolean(JavaParseBoolean(text));
      return Status::Ok();
    case TypeKind::kInt: {
      auto v = JavaParseInt(text);
      if (!v) return bad();
      out = Value::Int(*v);
      return Status::Ok();
    }
    case TypeKind::kBigint: {
      auto v = JavaParseLong(text);
      if (!v) return bad();
      out = Value::Bigint(*v);
      return Status::Ok();
    }
    case TypeKind::kDouble: {
      auto v = JavaParseDouble(text);
      if (!v) return bad();
      out = Value::Double(*v);
      return Status::Ok();
    }
    case TypeKind::kString:
      out = Value::String(std::string(text));
      return Status::Ok();
    case TypeKind::kDecimal: {
      ASSIGN_OR_RETURN(Decimal d, ParseDecimalEnsureFit(text, type.precision, type.scale));
      out = Value::Dec(d);
      return Status::Ok();
    }
    case TypeKind::kBytes: {
      std::string bytes;
      if (!DecodeBase64(text, bytes)) return bad();
      out = Value::Blob(std::move(bytes));
      return Status::Ok();
    }
    case TypeKind::kTimestamp: {
      auto v = JavaParseLong(text);
      if (!v) return bad();
      out = Value::Ts(*v);
      return Status::Ok();
    }
    case TypeKind::kDate: {
      auto v = JavaParseInt(text);
      if (!v) return bad();
      out = Value::Dt(*v);
      return Status::Ok();
    }
    case TypeKind::kTime: {
      auto v = JavaParseLong(text);
      if (!v) return bad();
      out = Value::Tm(static_cast<int32_t>(*v));
      return Status::Ok();
    }
    default:
      return Status::Internal("DELIMITED format built for an unsupported type");
  }
}

void AppendInteger(int64_t v, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

// The text of a non-null value, as ksqlDB hands it to the CSV printer.
void AppendFieldText(const Value& v, std::string& out) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          out.append(x ? "true" : "false");
        } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
          AppendInteger(x, out);
        } else if constexpr (std::is_same_v<T, double>) {
          AppendJavaDouble(x, out);
        } else if constexpr (std::is_same_v<T, Decimal>) {
          out.append(x.ToString());  // toPlainString: no exponent, scale kept
        } else if constexpr (std::is_same_v<T, std::string>) {
          out.append(x);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          AppendBase64(x.data, out);
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          AppendInteger(x.millis, out);
        } else if constexpr (std::is_same_v<T, Date>) {
          AppendInteger(x.days, out);
        } else if constexpr (std::is_same_v<T, Time>) {
          AppendInteger(x.millis, out);
        }
        // NULL and nested values never get here: NULL is an empty field and Validate rejects
        // nested types.
      },
      v.storage());
}

// Commons CSV's QuoteMode.MINIMAL decision for one field (the version ksqlDB ships, which also
// quotes a record's first field when it does not start with a letter or a digit).
bool NeedsQuotes(std::string_view text, bool first_field, char delim) {
  if (text.empty()) return first_field;
  const unsigned char c = static_cast<unsigned char>(text[0]);
  const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  if (first_field && !alnum) return true;
  if (c <= '#') return true;
  for (char ch : text) {
    if (ch == '\n' || ch == '\r' || ch == kQuote || ch == delim) return true;
  }
  return static_cast<unsigned char>(text.back()) <= ' ';
}

}  // namespace

DelimitedFormat::DelimitedFormat(std::vector<Column> columns, const FormatOptions& options)
    : columns_(std::move(columns)), delimiter_(options.delimiter), is_key_(options.is_key) {}

Status DelimitedFormat::Validate(const std::vector<Column>& columns, const FormatOptions& options) {
  if (options.wrap_single_value.value_or(false)) {
    return Status::Invalid("Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'.");
  }
  for (const Column& c : columns) {
    if (!c.type->IsPrimitive()) {
      return Status::Invalid(fmt::format("The 'DELIMITED' format does not support type '{}', column: `{}`",
                                         SqlBaseTypeName(*c.type), c.name));
    }
  }
  return Status::Ok();
}

Status DelimitedFormat::Deserialize(std::string_view bytes, Row& out,
                                    DeserializeOutcome& outcome) const {
  outcome = DeserializeOutcome::kRow;
  out.assign(columns_.size(), Value::Null());
  if (columns_.empty() && is_key_) return Status::Ok();
  thread_local std::vector<std::string> fields;
  size_t count = 0;
  RETURN_IF_ERROR(ParseFirstRecord(bytes, delimiter_, fields, count));
  if (count != columns_.size()) {
    return Status::Invalid(fmt::format(
        "Column count mismatch on deserialization. expected: {}, got: {}", columns_.size(), count));
  }
  for (size_t i = 0; i < count; ++i) {
    if (fields[i].empty()) continue;  // an empty field is NULL
    Status st = ParseField(fields[i], *columns_[i].type, out[i]);
    if (!st.ok()) {
      return Status::Invalid(fmt::format("{} (column `{}`)", st.message(), columns_[i].name));
    }
  }
  return Status::Ok();
}

bool DelimitedFormat::SerializesToNull(const Row& row) const {
  if (!is_key_) return false;
  return std::all_of(row.begin(), row.end(), [](const Value& v) { return v.is_null(); });
}

Status DelimitedFormat::Serialize(const Row& row, std::string& out) const {
  out.clear();
  if (columns_.empty() && is_key_) return Status::Ok();
  if (row.size() != columns_.size()) {
    return Status::Invalid(fmt::format(
        "Column count mismatch on serialization: expected {} columns, got {}", columns_.size(),
        row.size()));
  }
  thread_local std::string text;
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) out.push_back(delimiter_);
    if (row[i].is_null()) continue;  // Commons CSV prints null as nothing, never quoted
    text.clear();
    AppendFieldText(row[i], text);
    if (!NeedsQuotes(text, i == 0, delimiter_)) {
      out.append(text);
      continue;
    }
    out.push_back(kQuote);
    for (char c : text) {
      if (c == kQuote) out.push_back(kQuote);
      out.push_back(c);
    }
    out.push_back(kQuote);
  }
  return Status::Ok();
}

}  // namespace eddy
