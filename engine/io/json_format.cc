#include "engine/io/json_format.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "engine/common/decimal_ops.h"
#include "engine/common/java_format.h"
#include "engine/common/json.h"

namespace eddy {
namespace {

namespace od = simdjson::ondemand;

// ---- Number text -------------------------------------------------------------------------

// A JSON number's text taken apart: value = [-] int_digits.frac_digits * 10^exp.
struct NumberParts {
  bool negative = false;
  std::string_view int_digits;
  std::string_view frac_digits;
  int64_t exp = 0;
  bool integral = true;  // written without fraction or exponent, so Jackson makes it an integer
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TrimToken(std::string_view t) {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r')) {
    t.remove_suffix(1);
  }
  return t;
}

// Strict JSON number grammar; simdjson's on-demand API hands out raw number text unchecked.
bool SplitNumber(std::string_view t, NumberParts& p) {
  size_t i = 0;
  p = NumberParts{};
  if (i < t.size() && t[i] == '-') {
    p.negative = true;
    ++i;
  }
  const size_t int_start = i;
  while (i < t.size() && IsDigit(t[i])) ++i;
  p.int_digits = t.substr(int_start, i - int_start);
  if (p.int_digits.empty() || (p.int_digits.size() > 1 && p.int_digits[0] == '0')) return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    const size_t frac_start = i;
    while (i < t.size() && IsDigit(t[i])) ++i;
    p.frac_digits = t.substr(frac_start, i - frac_start);
    if (p.frac_digits.empty()) return false;
    p.integral = false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    p.integral = false;
    bool exp_negative = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) exp_negative = t[i++] == '-';
    const size_t exp_start = i;
    for (; i < t.size() && IsDigit(t[i]); ++i) {
      // Exponents this large only ever mean 0 or infinity; clamp instead of overflowing.
      if (p.exp < 1'000'000'000) p.exp = p.exp * 10 + (t[i] - '0');
    }
    if (i == exp_start) return false;
    if (exp_negative) p.exp = -p.exp;
  }
  return i == t.size();
}

// Java's longValue() of the number (BigDecimal, BigInteger or long alike): the integer part,
// truncated toward zero, modulo 2^64. intValue() is the low 32 bits of the same.
uint64_t WrappedInteger(const NumberParts& p) {
  const int64_t shift = p.exp - static_cast<int64_t>(p.frac_digits.size());
  const int64_t total = static_cast<int64_t>(p.int_digits.size() + p.frac_digits.size());
  const int64_t keep = shift >= 0 ? total : total + shift;
  uint64_t acc = 0;
  for (int64_t i = 0; i < keep; ++i) {
    const char c = i < static_cast<int64_t>(p.int_digits.size())
                       ? p.int_digits[static_cast<size_t>(i)]
                       : p.frac_digits[static_cast<size_t>(i) - p.int_digits.size()];
    acc = acc * 10 + static_cast<uint64_t>(c - '0');
  }
  if (shift > 0) {
    // 10^64 is a multiple of 2^64, so larger shifts leave nothing.
    if (shift >= 64) {
      acc = 0;
    } else {
      for (int64_t i = 0; i < shift; ++i) acc *= 10;
    }
  }
  return p.negative ? ~acc + 1 : acc;
}

double NumberToDouble(std::string_view text) {
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    // Java gives infinity or zero where from_chars only reports the range error.
    return std::strtod(std::string(text).c_str(), nullptr);
  }
  return v;
}

// The text Jackson's asText() gives a number node: integers in canonical form, anything with
// a fraction or exponent as BigDecimal.toString().
void AppendJavaNumberText(const NumberParts& p, std::string& out) {
  if (p.integral) {
    const bool zero = p.int_digits == "0";
    if (p.negative && !zero) out.push_back('-');
    out.append(p.int_digits);
    return;
  }
  // BigDecimal: unscaled digits without leading zeros, scale = fraction digits - exponent.
  std::string digits;
  digits.reserve(p.int_digits.size() + p.frac_digits.size());
  for (char c : p.int_digits)
    if (!(digits.empty() && c == '0')) digits.push_back(c);
  for (char c : p.frac_digits)
    if (!(digits.empty() && c == '0')) digits.push_back(c);
  const int64_t scale = static_cast<int64_t>(p.frac_digits.size()) - p.exp;
  AppendJavaBigDecimalString(p.negative && !digits.empty(), digits, scale, out);
}

// Jackson's node class, named in ksqlDB's conversion errors.
std::string_view JacksonNodeName(od::json_type t, std::string_view number_text) {
  switch (t) {
    case od::json_type::boolean: return "BooleanNode";
    case od::json_type::string: return "TextNode";
    case od::json_type::object: return "ObjectNode";
    case od::json_type::array: return "ArrayNode";
    case od::json_type::null: return "NullNode";
    case od::json_type::number: {
      NumberParts p;
      if (!SplitNumber(number_text, p) || !p.integral) return "DecimalNode";
      if (JavaParseInt(number_text)) return "IntNode";
      if (JavaParseLong(number_text)) return "LongNode";
      return "BigIntegerNode";
    }
  }
  return "JsonNode";
}

std::string RequiredTypeName(const Type& type) {
  if (type.IsPrimitive() && type.kind != TypeKind::kDecimal) return std::string(SqlBaseTypeName(type));
  return type.ToString();
}

bool EqualsUpperAscii(std::string_view key, std::string_view upper_name) {
  if (key.size() != upper_name.size()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper_name[i]) return false;
  }
  return true;
}

// ---- Stringifying JSON for STRING columns ------------------------------------------------

// Jackson writing back a tree it read (objects as compact JSON with numbers as asText gives).
void AppendJacksonJson(const JsonValue& v, std::string& out) {
  switch (v.kind()) {
    case JsonValue::Kind::kNumber: {
      NumberParts p;
      if (SplitNumber(v.number_text(), p)) {
        AppendJavaNumberText(p, out);
      } else {
        out.append(v.number_text());
      }
      return;
    }
    case JsonValue::Kind::kArray:
      out.push_back('[');
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) out.push_back(',');
        AppendJacksonJson(v.items()[i], out);
      }
      out.push_back(']');
      return;
    case JsonValue::Kind::kObject:
      out.push_back('{');
      for (size_t i = 0; i < v.members().size(); ++i) {
        if (i) out.push_back(',');
        AppendJsonString(v.members()[i].key, out);
        out.push_back(':');
        AppendJacksonJson(v.members()[i].value, out);
      }
      out.push_back('}');
      return;
    default:
      AppendJson(v, out);
  }
}

// ksqlDB's processString for one node: text as is, arrays as "[a, b]" of their elements'
// strings, objects as JSON, null as "null" (Objects.toString inside arrays).
void AppendKsqlString(const JsonValue& v, std::string& out) {
  switch (v.kind()) {
    case JsonValue::Kind::kNull: out.append("null"); return;
    case JsonValue::Kind::kBool: out.append(v.as_bool() ? "true" : "false"); return;
    case JsonValue::Kind::kString: out.append(v.as_string()); return;
    case JsonValue::Kind::kNumber: AppendJacksonJson(v, out); return;
    case JsonValue::Kind::kObject: AppendJacksonJson(v, out); return;
    case JsonValue::Kind::kArray:
      out.push_back('[');
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) out.append(", ");
        AppendKsqlString(v.items()[i], out);
      }
      out.push_back(']');
      return;
  }
}

// ---- Reading -----------------------------------------------------------------------------

// The raw text of a scalar token (with trailing whitespace); documents and values spell this
// differently in simdjson.
simdjson::error_code RawToken(od::document& d, std::string_view& out) {
  return d.raw_json_token().get(out);
}
simdjson::error_code RawToken(od::value& v, std::string_view& out) {
  out = v.raw_json_token();
  return simdjson::SUCCESS;
}

// The columns of a row, or the fields of a struct, as ReadFields sees them.
struct ColumnFields {
  const std::vector<Column>& columns;
  size_t size() const { return columns.size(); }
  const std::string& name(size_t i) const { return columns[i].name; }
  const Type& type(size_t i) const { return *columns[i].type; }
};
struct StructFields {
  const std::vector<StructField>& fields;
  size_t size() const { return fields.size(); }
  const std::string& name(size_t i) const { return fields[i].name; }
  const Type& type(size_t i) const { return *fields[i].type; }
};

// A padded copy of some bytes for simdjson, reused per thread so records cost no allocation.
simdjson::padded_string_view Pad(std::string_view bytes, std::string& buffer) {
  const size_t need = bytes.size() + simdjson::SIMDJSON_PADDING;
  if (buffer.size() < need) buffer.resize(need);
  if (!bytes.empty()) std::memcpy(buffer.data(), bytes.data(), bytes.size());
  return simdjson::padded_string_view(buffer.data(), bytes.size(), buffer.size());
}

// Converts on-demand JSON into Values for one record. Errors keep the innermost message and
// collect the path while unwinding, as ksqlDB's CoercionException does.
class Reader {
 public:
  std::string message;
  std::string path;  // ".A[2]": prepended to on the way out

  template <typename N>
  bool Read(N& node, const Type& type, Value& out) {
    od::json_type jt;
    if (auto err = node.type().get(jt)) return JsonError(err);
    if (jt == od::json_type::null) {
      bool is_null = false;
      if (auto err = node.is_null().get(is_null)) return JsonError(err);
      out = Value::Null();
      return true;
    }
    switch (type.kind) {
      case TypeKind::kBoolean: {
        if (jt != od::json_type::boolean) return Mismatch(node, jt, type);
        bool b = false;
        if (auto err = node.get_bool().get(b)) return JsonError(err);
        out = Value::Boolean(b);
        return true;
      }
      case TypeKind::kInt:
      case TypeKind::kBigint:
      case TypeKind::kDouble:
      case TypeKind::kTimestamp:
      case TypeKind::kDate:
      case TypeKind::kTime:
        return ReadNumeric(node, jt, type, out);
      case TypeKind::kDecimal: {
        std::string_view text;
        if (jt == od::json_type::number) {
          if (!NumberToken(node, text)) return false;
        } else if (jt == od::json_type::string) {
          if (auto err = node.get_string().get(text)) return JsonError(err);
        } else {
          return Mismatch(node, jt, type);
        }
        auto fitted = ParseDecimalEnsureFit(text, type.precision, type.scale);
        if (!fitted.ok()) return Fail(fitted.status().message());
        out = Value::Dec(fitted.value());
        return true;
      }
      case TypeKind::kString:
        return ReadString(node, jt, out);
      case TypeKind::kBytes: {
        if (jt != od::json_type::string) return Mismatch(node, jt, type);
        std::string_view text;
        if (auto err = node.get_string().get(text)) return JsonError(err);
        std::string bytes;
        if (!DecodeBase64(text, bytes)) {
          return Fail(fmt::format("Value is not a valid Base64 encoded string: {}", text));
        }
        out = Value::Blob(std::move(bytes));
        return true;
      }
      case TypeKind::kArray: {
        if (jt != od::json_type::array) return Mismatch(node, jt, type);
        od::array array;
        if (auto err = node.get_array().get(array)) return JsonError(err);
        ValueList items;
        size_t index = 0;
        for (auto element : array) {
          od::value v;
          if (auto err = element.get(v)) return JsonError(err);
          items.emplace_back();
          if (!Read(v, *type.element, items.back())) return AddPath(fmt::format("[{}]", index));
          ++index;
        }
        out = Value::Array(std::move(items));
        return true;
      }
      case TypeKind::kMap: {
        if (jt != od::json_type::object) return Mismatch(node, jt, type);
        od::object object;
        if (auto err = node.get_object().get(object)) return JsonError(err);
        std::vector<std::pair<Value, Value>> entries;
        for (auto field : object) {
          std::string_view key;
          if (auto err = field.unescaped_key().get(key)) return JsonError(err);
          od::value v;
          if (auto err = field.value().get(v)) return JsonError(err);
          Value value;
          if (!Read(v, *type.element, value)) return AddPath(fmt::format(".{}.value", key));
          // A repeated key keeps its first position and its last value (Java's map put).
          bool replaced = false;
          for (auto& entry : entries) {
            if (entry.first.as_string() == key) {
              entry.second = std::move(value);
              replaced = true;
              break;
            }
          }
          if (!replaced) entries.emplace_back(Value::String(std::string(key)), std::move(value));
        }
        out = Value::Map(std::move(entries));
        return true;
      }
      case TypeKind::kStruct: {
        if (jt != od::json_type::object) return Mismatch(node, jt, type);
        od::object object;
        if (auto err = node.get_object().get(object)) return JsonError(err);
        ValueList fields(type.fields.size());
        if (!ReadFields(object, StructFields{type.fields}, fields.data())) return false;
        out = Value::Struct(std::move(fields));
        return true;
      }
    }
    return Fail("Type is not supported: " + type.ToString());
  }

  // Fills `slots` (one per field) from the members of `object`: a member named exactly like a
  // field wins; otherwise one whose upper-cased name equals the field name (ksqlDB's rule).
  template <typename Fields>
  bool ReadFields(od::object& object, const Fields& fields, Value* slots) {
    constexpr size_t kInline = 64;
    uint8_t inline_exact[kInline] = {};
    std::vector<uint8_t> heap_exact;
    uint8_t* exact = inline_exact;
    if (fields.size() > kInline) {
      heap_exact.assign(fields.size(), 0);
      exact = heap_exact.data();
    }
    for (auto field : object) {
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) return JsonError(err);
      // Which fields this member feeds. Usually one; two only when field names differ just by
      // case (`a` and `A`), which needs the member's text read once per field.
      size_t first = fields.size();
      size_t matches = 0;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (Matches(key, fields.name(i), exact[i] != 0)) {
          if (matches++ == 0) first = i;
        }
      }
      if (matches == 0) continue;
      od::value v;
      if (auto err = field.value().get(v)) return JsonError(err);
      if (matches == 1) {
        if (key == fields.name(first)) exact[first] = 1;
        if (!Read(v, fields.type(first), slots[first])) return AddPath("." + fields.name(first));
        continue;
      }
      std::string_view raw;
      if (!RawJson(v, raw)) return false;
      const std::string text(raw);
      for (size_t i = 0; i < fields.size(); ++i) {
        if (!Matches(key, fields.name(i), exact[i] != 0)) continue;
        if (key == fields.name(i)) exact[i] = 1;
        if (!ReadText(text, fields.type(i), slots[i])) return AddPath("." + fields.name(i));
      }
    }
    return true;
  }

  bool JsonError(simdjson::error_code err) {
    message = fmt::format("Invalid JSON: {}", simdjson::error_message(err));
    return false;
  }

  bool Fail(std::string m) {
    message = std::move(m);
    return false;
  }

 private:
  static bool Matches(std::string_view key, const std::string& name, bool exact_seen) {
    if (key == name) return true;
    return !exact_seen && EqualsUpperAscii(key, name);
  }

  bool AddPath(const std::string& segment) {
    path.insert(0, segment);
    return false;
  }

  template <typename N>
  bool NumberToken(N& node, std::string_view& text) {
    std::string_view raw;
    if (auto err = RawToken(node, raw)) return JsonError(err);
    text = TrimToken(raw);
    NumberParts p;
    if (!SplitNumber(text, p)) return JsonError(simdjson::NUMBER_ERROR);
    return true;
  }

  template <typename N>
  bool Mismatch(N& node, od::json_type jt, const Type& type) {
    std::string_view number_text;
    if (jt == od::json_type::number) {
      std::string_view raw;
      if (!RawToken(node, raw)) number_text = TrimToken(raw);
    }
    return Fail(fmt::format("Can't convert type. sourceType: {}, requiredType: {}",
                            JacksonNodeName(jt, number_text), RequiredTypeName(type)));
  }

  template <typename N>
  bool ReadNumeric(N& node, od::json_type jt, const Type& type, Value& out) {
    if (jt == od::json_type::number) {
      std::string_view text;
      if (!NumberToken(node, text)) return false;
      NumberParts p;
      SplitNumber(text, p);
      switch (type.kind) {
        case TypeKind::kInt:
          out = Value::Int(static_cast<int32_t>(static_cast<uint32_t>(WrappedInteger(p))));
          return true;
        case TypeKind::kBigint:
          out = Value::Bigint(static_cast<int64_t>(WrappedInteger(p)));
          return true;
        case TypeKind::kTimestamp:
          out = Value::Ts(static_cast<int64_t>(WrappedInteger(p)));
          return true;
        case TypeKind::kDate:
          out = Value::Dt(static_cast<int32_t>(static_cast<uint32_t>(WrappedInteger(p))));
          return true;
        case TypeKind::kTime:
          out = Value::Tm(static_cast<int32_t>(static_cast<uint32_t>(WrappedInteger(p))));
          return true;
        default:
          out = Value::Double(NumberToDouble(text));
          return true;
      }
    }
    if (jt != od::json_type::string) return Mismatch(node, jt, type);
    // Strings are parsed as Integer.parseInt / Long.parseLong / Double.parseDouble do.
    std::string_view text;
    if (auto err = node.get_string().get(text)) return JsonError(err);
    const auto coerce_error = [&]() {
      return Fail(fmt::format("Can't coerce string to type. targetType: {}", SqlBaseTypeName(type)));
    };
    switch (type.kind) {
      case TypeKind::kInt: {
        auto v = JavaParseInt(text);
        if (!v) return coerce_error();
        out = Value::Int(*v);
        return true;
      }
      case TypeKind::kDouble: {
        auto v = JavaParseDouble(text);
        if (!v) return coerce_error();
        out = Value::Double(*v);
        return true;
      }
      default: {
        auto v = JavaParseLong(text);
        if (!v) return coerce_error();
        if (type.kind == TypeKind::kBigint) out = Value::Bigint(*v);
        else if (type.kind == TypeKind::kTimestamp) out = Value::Ts(*v);
        else if (type.kind == TypeKind::kDate) out = Value::Dt(static_cast<int32_t>(*v));
        else out = Value::Tm(static_cast<int32_t>(*v));
        return true;
      }
    }
  }

  template <typename N>
  bool ReadString(N& node, od::json_type jt, Value& out) {
    switch (jt) {
      case od::json_type::string: {
        std::string_view text;
        if (auto err = node.get_string().get(text)) return JsonError(err);
        out = Value::String(std::string(text));
        return true;
      }
      case od::json_type::number: {
        std::string_view text;
        if (!NumberToken(node, text)) return false;
        NumberParts p;
        SplitNumber(text, p);
        std::string s;
        AppendJavaNumberText(p, s);
        out = Value::String(std::move(s));
        return true;
      }
      case od::json_type::boolean: {
        bool b = false;
        if (auto err = node.get_bool().get(b)) return JsonError(err);
        out = Value::String(b ? "true" : "false");
        return true;
      }
      default: {
        // Objects and arrays: re-read their text into a tree and print it as ksqlDB does.
        std::string_view raw;
        if (!RawJson(node, raw)) return false;
        auto tree = ParseJson(raw);
        if (!tree.ok()) return Fail("Invalid JSON: " + tree.status().message());
        std::string s;
        AppendKsqlString(tree.value(), s);
        out = Value::String(std::move(s));
        return true;
      }
    }
  }

  // The JSON text of a value, consuming it.
  template <typename N>
  bool RawJson(N& node, std::string_view& raw) {
    od::json_type jt;
    if (auto err = node.type().get(jt)) return JsonError(err);
    if (jt == od::json_type::object) {
      od::object o;
      if (auto err = node.get_object().get(o)) return JsonError(err);
      if (auto err = o.raw_json().get(raw)) return JsonError(err);
      return true;
    }
    if (jt == od::json_type::array) {
      od::array a;
      if (auto err = node.get_array().get(a)) return JsonError(err);
      if (auto err = a.raw_json().get(raw)) return JsonError(err);
      return true;
    }
    if (auto err = RawToken(node, raw)) return JsonError(err);
    raw = TrimToken(raw);
    return true;
  }

  // Reads a separate piece of JSON text as `type` (the rare multi-match case). Nested uses
  // (a struct inside such a member with the same kind of names) get their own parser.
  bool ReadText(const std::string& text, const Type& type, Value& out) {
    thread_local od::parser shared_parser;
    thread_local std::string shared_buffer;
    thread_local int depth = 0;
    od::parser local_parser;
    std::string local_buffer;
    const bool nested = depth > 0;
    od::parser& parser = nested ? local_parser : shared_parser;
    std::string& buffer = nested ? local_buffer : shared_buffer;
    ++depth;
    od::document doc;
    bool ok;
    if (auto err = parser.iterate(Pad(text, buffer)).get(doc)) {
      ok = JsonError(err);
    } else {
      ok = Read(doc, type, out);
    }
    --depth;
    return ok;
  }
};

std::string RowTypeString(const std::vector<Column>& columns) {
  std::string s = "STRUCT<";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) s += ", ";
    s += fmt::format("`{}` {}", columns[i].name, columns[i].type->ToString());
  }
  return s + ">";
}

Status CheckMapKeys(const Type& type) {
  switch (type.kind) {
    case TypeKind::kMap:
      if (type.key && type.key->kind != TypeKind::kString) {
        return Status::Invalid("JSON only supports MAP types with STRING keys");
      }
      return CheckMapKeys(*type.element);
    case TypeKind::kArray:
      return CheckMapKeys(*type.element);
    case TypeKind::kStruct:
      for (const auto& f : type.fields) RETURN_IF_ERROR(CheckMapKeys(*f.type));
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

void AppendInteger(int64_t v, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

}  // namespace

// ---- JsonFormat --------------------------------------------------------------------------

JsonFormat::JsonFormat(std::vector<Column> columns, const FormatOptions& options)
    : columns_(std::move(columns)), is_key_(options.is_key) {
  unwrapped_ = columns_.size() == 1 &&
               !options.wrap_single_value.value_or(/*wrapped unless a key*/ !options.is_key);
}

Status JsonFormat::Validate(const std::vector<Column>& columns, const FormatOptions& options) {
  for (const Column& c : columns) RETURN_IF_ERROR(CheckMapKeys(*c.type));
  return Status::Ok();
}

Status JsonFormat::Deserialize(std::string_view bytes, Row& out,
                               DeserializeOutcome& outcome) const {
  outcome = DeserializeOutcome::kRow;
  out.assign(columns_.size(), Value::Null());
  if (columns_.empty() && is_key_) return Status::Ok();

  thread_local od::parser parser;
  thread_local std::string buffer;
  Reader reader;
  od::document doc;
  bool ok = true;
  if (auto err = parser.iterate(Pad(bytes, buffer)).get(doc)) {
    ok = reader.JsonError(err);
  } else {
    od::json_type jt;
    if (auto err = doc.type().get(jt)) {
      ok = reader.JsonError(err);
    } else if (jt == od::json_type::null) {
      // ksqlDB reads a JSON null as a null value, whatever the schema. (The type is judged by the
      // first letter: check that the document is the literal null and nothing more.)
      std::string_view text = bytes;
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
      if (text != "null") {
        ok = reader.JsonError(simdjson::N_ATOM_ERROR);
      } else {
        outcome = DeserializeOutcome::kNullValue;
        return Status::Ok();
      }
    } else if (unwrapped_) {
      ok = reader.Read(doc, *columns_[0].type, out[0]);
    } else if (jt != od::json_type::object) {
      std::string_view raw;
      std::string_view number_text;
      if (jt == od::json_type::number && !RawToken(doc, raw)) number_text = TrimToken(raw);
      ok = reader.Fail(fmt::format("Can't convert type. sourceType: {}, requiredType: {}",
                                   JacksonNodeName(jt, number_text), RowTypeString(columns_)));
    } else {
      od::object object;
      if (auto err = doc.get_object().get(object)) {
        ok = reader.JsonError(err);
      } else {
        ok = reader.ReadFields(object, ColumnFields{columns_}, out.data());
      }
    }
  }
  if (ok) return Status::Ok();
  return Status::Invalid(fmt::format("{}, path: ${}", reader.message, reader.path));
}

Status JsonFormat::Serialize(const Row& row, std::string& out) const {
  out.clear();
  if (columns_.empty() && is_key_) return Status::Ok();
  if (row.size() != columns_.size()) {
    return Status::Invalid(fmt::format(
        "Column count mismatch on serialization: expected {} columns, got {}", columns_.size(),
        row.size()));
  }
  if (unwrapped_) {
    AppendJsonValue(row[0], *columns_[0].type, out);
    return Status::Ok();
  }
  out.push_back('{');
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(columns_[i].name, out);
    out.push_back(':');
    AppendJsonValue(row[i], *columns_[i].type, out);
  }
  out.push_back('}');
  return Status::Ok();
}

void AppendJsonValue(const Value& v, const Type& type, std::string& out) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out.append("null");
        } else if constexpr (std::is_same_v<T, bool>) {
          out.append(x ? "true" : "false");
        } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
          AppendInteger(x, out);
        } else if constexpr (std::is_same_v<T, double>) {
          // Jackson quotes the non-finite values, which JSON numbers cannot spell.
          if (std::isfinite(x)) {
            AppendJavaDouble(x, out);
          } else {
            out.push_back('"');
            AppendJavaDouble(x, out);
            out.push_back('"');
          }
        } else if constexpr (std::is_same_v<T, Decimal>) {
          AppendDecimalJavaString(x, out);
        } else if constexpr (std::is_same_v<T, std::string>) {
          AppendJsonString(x, out);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          out.push_back('"');
          AppendBase64(x.data, out);
          out.push_back('"');
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          AppendInteger(x.millis, out);
        } else if constexpr (std::is_same_v<T, Date>) {
          AppendInteger(x.days, out);
        } else if constexpr (std::is_same_v<T, Time>) {
          AppendInteger(x.millis, out);
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const ArrayValue>>) {
          const Type& element = type.element ? *type.element : *Type::String();
          out.push_back('[');
          for (size_t i = 0; i < x->items.size(); ++i) {
            if (i) out.push_back(',');
            AppendJsonValue(x->items[i], element, out);
          }
          out.push_back(']');
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const MapValue>>) {
          const Type& element = type.element ? *type.element : *Type::String();
          out.push_back('{');
          for (size_t i = 0; i < x->entries.size(); ++i) {
            if (i) out.push_back(',');
            const Value& key = x->entries[i].first;
            if (key.is_string()) {
              AppendJsonString(key.as_string(), out);
            } else {
              // JSON keys are strings; other keys are written as their JSON text.
              std::string text;
              AppendJsonValue(key, type.key ? *type.key : *Type::String(), text);
              AppendJsonString(text, out);
            }
            out.push_back(':');
            AppendJsonValue(x->entries[i].second, element, out);
          }
          out.push_back('}');
        } else {
          const bool typed = type.kind == TypeKind::kStruct;
          out.push_back('{');
          for (size_t i = 0; i < x->fields.size(); ++i) {
            if (i) out.push_back(',');
            if (typed && i < type.fields.size()) {
              AppendJsonString(type.fields[i].name, out);
              out.push_back(':');
              AppendJsonValue(x->fields[i], *type.fields[i].type, out);
            } else {
              AppendJsonString(fmt::format("F{}", i), out);
              out.push_back(':');
              AppendJsonValue(x->fields[i], *Type::String(), out);
            }
          }
          out.push_back('}');
        }
      },
      v.storage());
}

}  // namespace eddy
