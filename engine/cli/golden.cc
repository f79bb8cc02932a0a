#include "engine/cli/golden.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>

#include "dsl/parser.h"
#include "dsl/sql_formatter.h"
#include "engine/io/format.h"
#include "dsl/analyzer.h"
#include "engine/cli/record_json.h"
#include "engine/function/expr_builder.h"
#include "engine/function/registry.h"
#include "engine/io/memory_log.h"
#include "engine/runtime/engine.h"

namespace eddy::golden {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(fmt::format("cannot read {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

std::string PropertyText(const JsonValue& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_number()) return v.number_text();
  return WriteJson(v);
}

Result<TestRecord> LoadRecord(const JsonValue& r) {
  TestRecord out;
  if (!r.is_object()) return Status::Invalid("a record must be a JSON object");
  const JsonValue* topic = r.Find("topic");
  if (!topic || !topic->is_string()) return Status::Invalid("a record needs a \"topic\"");
  out.topic = topic->as_string();
  if (const JsonValue* k = r.Find("key")) out.key = *k;
  if (const JsonValue* v = r.Find("value")) out.value = *v;
  if (const JsonValue* t = r.Find("timestamp"); t && t->is_number()) out.timestamp = t->AsInt64();
  if (const JsonValue* w = r.Find("window")) out.window = *w;
  if (const JsonValue* hs = r.Find("headers"); hs && !hs->is_null()) {
    ASSIGN_OR_RETURN(Headers headers, HeadersFromJson(*hs));
    out.headers = std::move(headers);
  }
  return out;
}

}  // namespace

Result<std::vector<TestCase>> LoadQttFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return LoadQttText(text, path);
}

Result<std::vector<TestCase>> LoadQttText(std::string_view text, const std::string& path) {
  JsonParseOptions po;
  po.allow_comments = true;
  Result<JsonValue> doc = ParseJson(text, po);
  if (!doc.ok()) return Status::Invalid(fmt::format("{}:{}", path, doc.status().ToString()));
  const JsonValue* tests = doc->Find("tests");
  if (!tests || !tests->is_array()) return Status::Invalid(fmt::format("{}: no \"tests\" array", path));
  std::vector<TestCase> out;
  for (const JsonValue& t : tests->items()) {
    TestCase base;
    base.file = path;
    if (const JsonValue* n = t.Find("name"); n && n->is_string()) base.name = n->as_string();
    if (const JsonValue* e = t.Find("enabled"); e && e->is_bool()) base.enabled = e->as_bool();
    if (const JsonValue* s = t.Find("statements"); s && s->is_array())
      for (const auto& x : s->items())
        if (x.is_string()) base.statements.push_back(x.as_string());
    if (const JsonValue* p = t.Find("properties"); p && p->is_object()) {
      for (const auto& m : p->members()) base.properties[m.key] = PropertyText(m.value);
    }
    if (auto it = base.properties.find("use.exact.numeric.comparison"); it != base.properties.end())
      base.exact_numeric = it->second != "false";
    for (const char* which : {"inputs", "outputs"}) {
      const JsonValue* rs = t.Find(which);
      if (!rs || !rs->is_array()) continue;
      for (const auto& r : rs->items()) {
        Result<TestRecord> rec = LoadRecord(r);
        if (!rec.ok()) return Status::Invalid(fmt::format("{}: case '{}': {}", path, base.name, rec.status().message()));
        (std::string(which) == "inputs" ? base.inputs : base.outputs).push_back(std::move(rec).value());
      }
    }
    if (const JsonValue* ex = t.Find("expectedException"); ex && ex->is_object()) {
      base.has_expected_error = true;
      if (const JsonValue* ty = ex->Find("type"); ty && ty->is_string()) base.expected_error_type = ty->as_string();
      if (const JsonValue* m = ex->Find("message"); m && m->is_string()) base.expected_error_message = m->as_string();
    }
    if (const JsonValue* post = t.Find("post")) base.post = *post;

    // Variants: one case per format and per config value.
    std::vector<std::string> formats, configs;
    if (const JsonValue* f = t.Find("format"); f && f->is_array())
      for (const auto& x : f->items()) formats.push_back(PropertyText(x));
    if (const JsonValue* c = t.Find("config"); c && c->is_array())
      for (const auto& x : c->items()) configs.push_back(PropertyText(x));
    if (formats.empty()) formats.push_back("");
    if (configs.empty()) configs.push_back("");
    for (const auto& f : formats) {
      for (const auto& c : configs) {
        TestCase tc = base;
        if (!f.empty()) {
          tc.name += " - " + f;
          for (auto& s : tc.statements) s = ReplaceAll(s, "{FORMAT}", f);
        }
        if (!c.empty()) {
          tc.name += " - " + c;
          for (auto& [k, v] : tc.properties) v = ReplaceAll(v, "{CONFIG}", c);
        }
        out.push_back(std::move(tc));
      }
    }
  }
  return out;
}

Result<std::vector<TestCase>> LoadSqlTestFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return LoadSqlTestText(text, path);
}

Result<std::vector<TestCase>> LoadSqlTestText(std::string_view text, const std::string& path) {
  std::vector<TestCase> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  TestCase current;
  current.file = path;
  current.sql_script = true;
  bool started = false;
  int lineno = 0;
  while (std::getline(lines, line)) {
    ++lineno;
    std::string trimmed = line;
    trimmed.erase(0, trimmed.find_first_not_of(" \t"));
    if (trimmed.rfind("--@test:", 0) == 0) {
      if (started) out.push_back(current);
      started = true;
      current = TestCase();
      current.file = path;
      current.sql_script = true;
      current.name = trimmed.substr(8);
      current.name.erase(0, current.name.find_first_not_of(" \t"));
      // Keep line numbers of the file: pad the script with the lines before this test.
      current.script = std::string(static_cast<size_t>(lineno), '\n');
      continue;
    }
    if (trimmed.rfind("--@expected.error:", 0) == 0) {
      current.has_expected_error = true;
      current.expected_error_type = trimmed.substr(18);
      current.expected_error_type.erase(0, current.expected_error_type.find_first_not_of(" \t"));
    } else if (trimmed.rfind("--@expected.message:", 0) == 0) {
      current.has_expected_error = true;
      current.expected_error_message = trimmed.substr(20);
      current.expected_error_message.erase(0, current.expected_error_message.find_first_not_of(" \t"));
    }
    current.script += line + "\n";
  }
  if (!started) current.name = path;
  out.push_back(current);
  return out;
}

namespace {

// ---- converting between test JSON and record bytes ----------------------------------------

std::string UpperAscii(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// ---- comparing records as ksqlDB's test runner does ------------------------------------------
//
// ksqlDB's runner deserializes each output record into Java values and matches them against the
// expected JSON with its ExpectedRecordComparator, so how a number compares depends on the Java
// type the actual value has: a JSON sink is read with Jackson (integers as Integer, Long or
// BigInteger by size; other numbers as BigDecimal, exactly as written, or as Double when the
// case sets use.exact.numeric.comparison=false), a KAFKA sink as the column's type, a DELIMITED
// sink as one string. Actual mirrors those Java types.
struct ActualMember;
struct Actual {
  enum class Kind : uint8_t { kNull, kBool, kInt, kLong, kBigInteger, kDouble, kDecimal, kString, kList, kMap };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;     // kInt, kLong
  double d = 0;      // kDouble
  std::string text;  // kString; kDecimal as written
  std::vector<Actual> items;
  std::vector<ActualMember> members;  // kMap
};

// (Not a std::pair: a pair needs Actual complete where Actual declares the vector.)
struct ActualMember {
  ActualMember(std::string k, Actual v) : first(std::move(k)), second(std::move(v)) {}
  std::string first;
  Actual second;
};

// A decimal number as java.math.BigDecimal holds it: unscaled digits (no leading zeros, "0" for
// zero) with a sign, and a scale. BigDecimal.equals compares both, so 1.5 != 1.50.
struct BigDec {
  bool negative = false;
  std::string digits;
  int64_t scale = 0;
  bool operator==(const BigDec& o) const {
    return digits == o.digits && scale == o.scale && (digits == "0" || negative == o.negative);
  }
};

std::optional<BigDec> ParseBigDec(const std::string& t) {
  BigDec out;
  size_t i = 0;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) out.negative = t[i++] == '-';
  std::string digits;
  int64_t frac = 0;
  bool point = false, any = false;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      any = true;
      if (point) ++frac;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return std::nullopt;
  int64_t exp = 0;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) eneg = t[i++] == '-';
    if (i >= t.size()) return std::nullopt;
    for (; i < t.size(); ++i) {
      if (t[i] < '0' || t[i] > '9' || exp > 1000000000) return std::nullopt;
      exp = exp * 10 + (t[i] - '0');
    }
    if (eneg) exp = -exp;
  }
  if (i != t.size()) return std::nullopt;
  size_t nz = digits.find_first_not_of('0');
  out.digits = nz == std::string::npos ? "0" : digits.substr(nz);
  out.scale = frac - exp;
  return out;
}

// The BigDecimal's value as a long when it has no fraction digits (scale <= 0) and fits:
// longValueExact; nullopt where Java would throw.
std::optional<int64_t> BigDecLongExact(const BigDec& v) {
  if (v.scale > 0) return std::nullopt;
  if (v.digits == "0") return 0;
  std::string all = v.digits + std::string(static_cast<size_t>(-v.scale), '0');
  if (all.size() > 19) return std::nullopt;
  unsigned __int128 x = 0;
  for (char c : all) x = x * 10 + static_cast<unsigned>(c - '0');
  if (v.negative ? x > (static_cast<unsigned __int128>(INT64_MAX) + 1) : x > INT64_MAX) return std::nullopt;
  return v.negative ? static_cast<int64_t>(-static_cast<__int128>(x)) : static_cast<int64_t>(x);
}

// Java's BigDecimal.longValue(): the integer part (truncated toward zero), low 64 bits.
int64_t BigDecLongValue(const BigDec& v) {
  std::string intdigits;
  if (v.scale <= 0) {
    intdigits = v.digits + std::string(static_cast<size_t>(std::min<int64_t>(-v.scale, 64)), '0');
  } else if (static_cast<int64_t>(v.digits.size()) > v.scale) {
    intdigits = v.digits.substr(0, v.digits.size() - static_cast<size_t>(v.scale));
  }
  uint64_t x = 0;  // wraps modulo 2^64, as the low bits of the BigInteger
  for (char c : intdigits) x = x * 10 + static_cast<uint64_t>(c - '0');
  return static_cast<int64_t>(v.negative ? (~x + 1) : x);
}

Actual ActualFromJson(const JsonValue& v, bool exact) {
  Actual a;
  switch (v.kind()) {
    case JsonValue::Kind::kNull: break;
    case JsonValue::Kind::kBool:
      a.kind = Actual::Kind::kBool;
      a.b = v.as_bool();
      break;
    case JsonValue::Kind::kNumber:
      if (v.is_integral()) {
        std::optional<int64_t> n = v.AsInt64();
        if (!n) {
          a.kind = Actual::Kind::kBigInteger;
        } else {
          a.kind = *n >= INT32_MIN && *n <= INT32_MAX ? Actual::Kind::kInt : Actual::Kind::kLong;
          a.i = *n;
        }
      } else if (exact) {
        a.kind = Actual::Kind::kDecimal;
        a.text = v.number_text();
      } else {
        a.kind = Actual::Kind::kDouble;
        a.d = v.AsDouble();
      }
      break;
    case JsonValue::Kind::kString:
      a.kind = Actual::Kind::kString;
      a.text = v.as_string();
      break;
    case JsonValue::Kind::kArray:
      a.kind = Actual::Kind::kList;
      for (const auto& x : v.items()) a.items.push_back(ActualFromJson(x, exact));
      break;
    case JsonValue::Kind::kObject:
      a.kind = Actual::Kind::kMap;
      for (const auto& m : v.members()) a.members.emplace_back(m.key, ActualFromJson(m.value, exact));
      break;
  }
  return a;
}

// ExpectedRecordComparator.compareNumber: by the actual value's Java type.
bool NumberMatches(const JsonValue& expected, const Actual& actual) {
  const std::string& text = expected.number_text();
  std::optional<int64_t> as_long = expected.is_integral() ? expected.AsInt64() : std::nullopt;
  // Jackson's node for the expected number: IntNode/LongNode, BigIntegerNode, or DecimalNode.
  const bool big_integer = expected.is_integral() && !as_long;
  std::optional<BigDec> dec = expected.is_integral() ? std::nullopt : ParseBigDec(text);
  auto long_value = [&]() -> std::optional<int64_t> {
    if (as_long) return *as_long;
    if (dec) return BigDecLongValue(*dec);
    return std::nullopt;  // a BigInteger beyond 64 bits: its low bits never matter here
  };
  switch (actual.kind) {
    case Actual::Kind::kInt: {
      std::optional<int64_t> l = long_value();
      return l && static_cast<int32_t>(*l) == static_cast<int32_t>(actual.i);
    }
    case Actual::Kind::kLong: {
      std::optional<int64_t> l = long_value();
      return l && *l == actual.i;
    }
    case Actual::Kind::kDouble: return std::strtod(text.c_str(), nullptr) == actual.d;
    case Actual::Kind::kDecimal: {
      std::optional<BigDec> got = ParseBigDec(actual.text);
      if (!got) return false;
      if (as_long) {  // an expected int or long matches only a decimal without fraction digits
        std::optional<int64_t> exact = BigDecLongExact(*got);
        return exact && *exact == *as_long;
      }
      if (big_integer || !dec) return false;
      return *dec == *got;
    }
    default: return false;
  }
}

bool Matches(const JsonValue& expected, const Actual& actual) {
  switch (expected.kind()) {
    case JsonValue::Kind::kNull: return actual.kind == Actual::Kind::kNull;
    case JsonValue::Kind::kBool: return actual.kind == Actual::Kind::kBool && actual.b == expected.as_bool();
    case JsonValue::Kind::kNumber: return NumberMatches(expected, actual);
    case JsonValue::Kind::kString:
      if (actual.kind == Actual::Kind::kString) return actual.text == expected.as_string();
      if (actual.kind == Actual::Kind::kDecimal) {
        std::optional<BigDec> want = ParseBigDec(expected.as_string()), got = ParseBigDec(actual.text);
        return want && got && *want == *got;
      }
      return false;
    case JsonValue::Kind::kArray: {
      if (actual.kind != Actual::Kind::kList || actual.items.size() != expected.items().size()) return false;
      for (size_t i = 0; i < actual.items.size(); ++i)
        if (!Matches(expected.items()[i], actual.items[i])) return false;
      return true;
    }
    case JsonValue::Kind::kObject: {
      if (actual.kind != Actual::Kind::kMap || actual.members.size() != expected.members().size()) return false;
      static const Actual kNullActual;
      auto find = [&](const std::string& k) -> const Actual* {
        for (const auto& [name, v] : actual.members)
          if (name == k) return &v;
        return nullptr;
      };
      for (const auto& m : expected.members()) {
        const Actual* got = find(m.key);  // Map.get(key), then Map.get(KEY)
        if (!got || got->kind == Actual::Kind::kNull) {
          const Actual* upper = find(UpperAscii(m.key));
          if (upper) got = upper;
        }
        if (!Matches(m.value, got ? *got : kNullActual)) return false;
      }
      return true;
    }
  }
  return false;
}

// One side (key or value) of an output record: as shown in a diff, and as compared.
struct Side {
  JsonValue shown;
  Actual actual;
};

// Bytes written by the engine -> what ksqlDB's runner would have deserialized them to.
Side DecodeSide(const std::optional<std::string>& bytes, const std::string& format,
                const std::vector<Column>& columns, const SourceDef* def, bool is_key, bool exact) {
  Side out;
  if (!bytes) return out;
  auto from_json_text = [&](const std::string& text) {
    Result<JsonValue> j = ParseJson(text);
    out.shown = j.ok() ? j.value() : JsonValue::String(text);
    out.actual = ActualFromJson(out.shown, exact);
  };
  auto as_string = [&](const std::string& text) {
    out.shown = JsonValue::String(text);
    out.actual.kind = Actual::Kind::kString;
    out.actual.text = text;
  };
  if (format == "JSON" || !def) {
    from_json_text(*bytes);
    return out;
  }
  if (format == "DELIMITED") {
    as_string(*bytes);
    return out;
  }
  FormatOptions o;
  o.is_key = is_key;
  o.wrap_single_value = def->wrap_single_value;
  o.delimiter = is_key ? def->key_delimiter : def->value_delimiter;
  auto f = MakeFormat(format, columns, o);
  if (!f.ok()) {
    as_string(*bytes);
    return out;
  }
  Row row(columns.size());
  if (!f.value()->Deserialize(*bytes, row).ok()) {
    as_string("<undecodable bytes>");
    return out;
  }
  FormatOptions jo;
  jo.wrap_single_value = format == "PROTOBUF_NOSR";  // the runner shows it as an object
  auto json = MakeFormat("JSON", columns, jo);
  std::string text;
  if (!json.ok() || !json.value()->Serialize(row, text).ok()) {
    as_string("<unprintable>");
    return out;
  }
  from_json_text(text);
  // KAFKA: the runner reads the single column as its Java type.
  if (format == "KAFKA" && row.size() == 1) {
    const Value& v = row[0];
    if (v.is_int() || v.is_bigint()) {
      out.actual = Actual{};
      out.actual.kind = v.is_int() ? Actual::Kind::kInt : Actual::Kind::kLong;
      out.actual.i = v.ToInt64();
    } else if (v.is_double()) {
      out.actual = Actual{};
      out.actual.kind = Actual::Kind::kDouble;
      out.actual.d = v.as_double();
    }
  }
  return out;
}

std::string RecordText(const JsonValue& key, const JsonValue& value, std::optional<int64_t> ts,
                       const std::optional<JsonValue>& window, const Headers* headers = nullptr) {
  std::string s = fmt::format("key={} value={}", WriteJson(key), WriteJson(value));
  if (ts) s += fmt::format(" timestamp={}", *ts);
  if (window) s += " window=" + WriteJson(*window);
  if (headers && !headers->empty()) {
    // As ksqlDB's runner prints them: {KEY=k,VALUE=<base64>}.
    s += " headers=[";
    for (size_t i = 0; i < headers->size(); ++i) {
      const Header& h = (*headers)[i];
      std::string v;
      if (h.value) AppendBase64(*h.value, v);
      s += fmt::format("{}{{KEY={},VALUE={}}}", i ? ", " : "", h.key, h.value ? v : "null");
    }
    s += "]";
  }
  return s;
}

CaseResult Fail(std::string msg) { return CaseResult{CaseResult::Outcome::kFail, std::move(msg)}; }

// An error as ksqlDB's test runner sees it. ksqlDB matches the expected text against an
// exception's message or its "unlogged" message; the texts eddy's errors would have there:
//  - a syntax error in the statements: "line L:C: <message>\nStatement: <all statements>", or
//    the logged form "line L:C: Syntax error at or near '<token>' at line L:C";
//  - a statement that parsed but could not be built: "Failed to prepare statement: line L:C:
//    <message>\nStatement: ...";
//  - a statement that failed: "Line: L, Col: C: <message>\nStatement: <statement>" (ksqlDB
//    prefixes the position where it knows one).
// Positions count lines across the case's statements, which ksqlDB parses as one text.
struct ErrorTexts {
  std::vector<std::string> texts;
};

ErrorTexts ParseErrorTexts(const Status& st, const dsl::ParseErrorInfo& info, const std::string& sql) {
  ErrorTexts out;
  std::string pos = st.pos().known() ? fmt::format("line {}:{}: ", st.pos().line, st.pos().column) : "";
  if (info.syntax) {
    out.texts.push_back(pos + st.message() + "\nStatement: " + sql);
    if (st.pos().known()) {
      out.texts.push_back(fmt::format("{}Syntax error at or near '{}' at line {}:{}", pos, info.token, st.pos().line,
                                      st.pos().column));
    }
  } else {
    // ksqlDB builds these from a node's location whose column already counts from 1, and adds 1
    // again when it prints it: "line 2:40" for a literal starting in column 39.
    std::string built = st.pos().known() ? fmt::format("line {}:{}: ", st.pos().line, st.pos().column + 1) : "";
    out.texts.push_back("Failed to prepare statement: " + built + st.message() + "\nStatement: " + sql);
  }
  return out;
}

// ksqlDB resolves unqualified column names while it prepares a statement, and wraps what that
// throws as "Exception while preparing statement: <message>", the position inside <message>.
bool FoundWhilePreparing(const Status& st) {
  const std::string& m = st.message();
  return m.starts_with("Column '") && m.find("' is ambiguous. Could be ") != std::string::npos;
}

ErrorTexts StatementErrorTexts(const Status& st, const std::string& statement) {
  ErrorTexts out;
  std::string pos = st.pos().known() ? fmt::format("Line: {}, Col: {}: ", st.pos().line, st.pos().column) : "";
  if (FoundWhilePreparing(st)) pos = "Exception while preparing statement: " + pos;
  out.texts.push_back(pos + st.message() + (statement.empty() ? "" : "\nStatement: " + statement));
  return out;
}

CaseResult CheckError(const TestCase& c, const ErrorTexts& e, const std::string& where) {
  if (c.has_expected_error) {
    for (const auto& t : e.texts)
      if (t.find(c.expected_error_message) != std::string::npos) return CaseResult{};
    return Fail(fmt::format("expected an error containing:\n  {}\nbut {} failed with:\n  {}", c.expected_error_message,
                            where, e.texts.empty() ? "" : e.texts[0]));
  }
  return Fail(fmt::format("{} failed: {}", where, e.texts.empty() ? "" : e.texts[0]));
}

CaseResult CheckError(const TestCase& c, const Status& st, const std::string& where) {
  return CheckError(c, StatementErrorTexts(st, ""), where);
}

// ---- the `post` block: the sources and topics the statements leave behind --------------------

// A post schema ("`K` STRING KEY, V INT") read with eddy's own parser, as the column list of a
// CREATE statement, so that spelling differences (INT/INTEGER, quotes) do not matter.
Result<Schema> ParsePostSchema(const std::string& text) {
  ASSIGN_OR_RETURN(std::vector<dsl::Statement> parsed,
                   dsl::ParseStatements(std::string(text.find("PRIMARY KEY") == std::string::npos ? "CREATE STREAM"
                                                                                                : "CREATE TABLE") +
                                        " POST_SCHEMA (" + text +
                                        ") WITH (KAFKA_TOPIC='post', VALUE_FORMAT='JSON');"));
  if (parsed.size() != 1 || !parsed[0].create_source) return Status::Invalid("not a column list");
  Schema schema;
  for (const auto& el : parsed[0].create_source->elements) {
    Column col{el.name, el.type, el.role, el.header_key};
    (el.role == ColumnRole::kKey ? schema.key : schema.value).push_back(std::move(col));
  }
  return schema;
}

bool SchemasEqual(const Schema& a, const Schema& b) {
  auto same = [](const std::vector<Column>& x, const std::vector<Column>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].name != y[i].name || !TypesEqual(x[i].type, y[i].type)) return false;
    return true;
  };
  return same(a.key, b.key) && same(a.value, b.value);
}

// A format given as "JSON" or {"format": "JSON", ...}.
std::string PostFormat(const JsonValue& v) {
  if (v.is_string()) return UpperAscii(v.as_string());
  if (const JsonValue* f = v.is_object() ? v.Find("format") : nullptr; f && f->is_string())
    return UpperAscii(f->as_string());
  return "";
}

// Checks `post.sources` (name, type, schema, key and value formats, isSource) and
// `post.topics` (no topic matching `blacklist` exists; each listed topic exists).
CaseResult CheckPost(const JsonValue& post, const Catalog& catalog, const MemoryLog& log) {
  if (const JsonValue* sources = post.Find("sources"); sources && sources->is_array()) {
    for (const auto& s : sources->items()) {
      const JsonValue* name = s.Find("name");
      if (!name || !name->is_string()) continue;
      const SourceDef* def = catalog.FindSource(name->as_string());
      if (!def) return Fail(fmt::format("post: source {} does not exist", name->as_string()));
      if (const JsonValue* type = s.Find("type"); type && type->is_string()) {
        std::string want = UpperAscii(type->as_string());
        std::string got = def->is_table ? "TABLE" : "STREAM";
        if (want != got) return Fail(fmt::format("post: source {} is a {}, expected a {}", def->name, got, want));
      }
      if (const JsonValue* schema = s.Find("schema"); schema && schema->is_string()) {
        Result<Schema> want = ParsePostSchema(schema->as_string());
        if (!want.ok()) {
          return Fail(fmt::format("post: cannot read the expected schema of {}: {}", def->name,
                                  want.status().message()));
        }
        if (!SchemasEqual(want.value(), def->schema)) {
          return Fail(fmt::format("post: source {} schema differs\n    expected: {}\n    actual:   {}", def->name,
                                  want.value().ToString(), def->schema.ToString()));
        }
      }
      if (const JsonValue* kf = s.Find("keyFormat")) {
        std::string want = PostFormat(*kf);
        if (!want.empty() && want != def->key_format)
          return Fail(fmt::format("post: source {} key format is {}, expected {}", def->name, def->key_format, want));
      }
      if (const JsonValue* vf = s.Find("valueFormat")) {
        std::string want = PostFormat(*vf);
        if (!want.empty() && want != def->value_format) {
          return Fail(fmt::format("post: source {} value format is {}, expected {}", def->name, def->value_format,
                                  want));
        }
      }
      if (const JsonValue* src = s.Find("isSource"); src && src->is_bool() && src->as_bool() != def->is_source) {
        return Fail(fmt::format("post: source {} isSource is {}, expected {}", def->name, def->is_source,
                                src->as_bool()));
      }
    }
  }
  if (const JsonValue* topics = post.Find("topics"); topics && topics->is_object()) {
    if (const JsonValue* bl = topics->Find("blacklist"); bl && bl->is_string()) {
      std::regex re(bl->as_string());
      for (const auto& t : log.Topics())
        if (std::regex_match(t, re)) return Fail(fmt::format("post: topic {} should not exist", t));
    }
    if (const JsonValue* list = topics->Find("topics"); list && list->is_array()) {
      for (const auto& t : list->items()) {
        const JsonValue* name = t.Find("name");
        // ksqlDB's internal topics (repartition, changelog) have no counterpart in eddy.
        if (name && name->is_string() && name->as_string().rfind("_confluent-ksql-", 0) != 0 &&
            !log.HasTopic(name->as_string()))
          return Fail(fmt::format("post: topic {} does not exist", name->as_string()));
      }
    }
  }
  return CaseResult{};
}

// The sources of a statement's query as the formatter sanitizes against them.
std::vector<dsl::FormatSource> FormatSources(const dsl::Statement& st, const Catalog& catalog) {
  const dsl::Query* q = st.create_as_select ? &st.create_as_select->query
                        : st.insert_into      ? &st.insert_into->query
                        : st.select           ? &st.select->query
                                              : nullptr;
  std::vector<dsl::FormatSource> out;
  if (q == nullptr) return out;
  auto add = [&](const dsl::Relation& r) {
    dsl::FormatSource s;
    s.alias = r.alias.empty() ? r.name : r.alias;
    if (const SourceDef* def = catalog.FindSource(r.name)) {
      for (const auto& col : def->schema.key) s.columns.push_back(col.name);
      for (const auto& col : def->schema.value) s.columns.push_back(col.name);
      s.windowed = !def->window_type.empty();
    }
    out.push_back(std::move(s));
  };
  add(q->from);
  for (const auto& j : q->joins) add(j.right);
  return out;
}

// A statement's failure as ksqlDB's runner reports it: with the statement as written and, as
// planned (INSERT VALUES aside), as its formatter prints it sanitized against `sources`.
ErrorTexts ExecuteErrorTexts(const Status& st, const dsl::Statement& statement,
                             const std::vector<dsl::FormatSource>& sources) {
  ErrorTexts texts = StatementErrorTexts(st, statement.text);
  if (statement.kind != dsl::Statement::Kind::kInsertValues) {
    dsl::StatementFormatOptions fo;
    fo.sources = &sources;
    texts.texts.push_back(StatementErrorTexts(st, dsl::FormatStatement(statement, fo)).texts[0]);
  }
  return texts;
}

CaseResult RunQttCase(const TestCase& c) {
  MemoryLog log;
  EngineOptions eo;
  eo.log = &log;
  eo.properties = c.properties;
  // Through a restart the state outlives the first engine, as a state directory would.
  std::unique_ptr<StateDb> db;
  if (c.through_restart) {
    StateDbOptions so;
    so.in_memory = true;
    Result<std::unique_ptr<StateDb>> opened = StateDb::Open("/eddy-restart", so);
    if (!opened.ok()) return Fail("cannot open the state: " + opened.status().message());
    db = std::move(opened).value();
    eo.db = db.get();
  }
  auto owned = std::make_unique<Engine>(eo);
  // As ksqlDB's runner: the statements are one text, one a line, parsed before any runs.
  std::string sql;
  for (size_t i = 0; i < c.statements.size(); ++i) sql += (i ? "\n" : "") + c.statements[i];
  dsl::ParseErrorInfo parse_error;
  dsl::ParseOptions po;
  po.error_info = &parse_error;
  Result<std::vector<dsl::Statement>> parsed = dsl::ParseStatements(sql, po);
  if (!parsed.ok()) return CheckError(c, ParseErrorTexts(parsed.status(), parse_error, sql), "parsing the statements");
  for (size_t i = 0; i < parsed->size(); ++i) {
    dsl::Statement& statement = (*parsed)[i];
    SourcePos pos = statement.pos;
    // What the catalog held before the statement: ksqlDB's runner plans each statement as
    // its formatter prints it after sanitizing, so its errors show that text.
    std::vector<dsl::FormatSource> sources = FormatSources(statement, owned->catalog());
    auto shared = std::make_shared<const dsl::Statement>(std::move(statement));
    Status st = owned->Execute(shared).WithPos(pos);
    if (!st.ok()) return CheckError(c, ExecuteErrorTexts(st, *shared, sources), fmt::format("statement {}", i + 1));
  }
  // Feed the inputs, one record at a time, each processed completely.
  auto restart = [&]() -> Status {
    RETURN_IF_ERROR(owned->Commit());
    owned.reset();
    ASSIGN_OR_RETURN(owned, Engine::Open(eo));
    return Status::Ok();
  };
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.through_restart && i == c.inputs.size() / 2) {
      Status st = restart();
      if (!st.ok()) return Fail(fmt::format("restarting before input {}: {}", i + 1, st.ToString()));
    }
    const TestRecord& in = c.inputs[i];
    RawRecord raw;
    raw.timestamp = in.timestamp.value_or(0);
    if (in.headers && !in.headers->empty()) raw.headers = std::make_shared<const Headers>(*in.headers);
    const SourceDef* def = SourceForTopic(owned->catalog(), in.topic);
    if (def && in.window && !def->window_type.empty()) {
      // A windowed source's key carries its window.
      const JsonValue* ws = in.window->Find("start");
      const JsonValue* we = in.window->Find("end");
      if (ws && we && ws->AsInt64() && we->AsInt64()) raw.window = Window{*ws->AsInt64(), *we->AsInt64()};
    }
    if (def) {
      if (!in.key.is_null()) {
        Result<std::string> k = JsonToBytes(in.key, *def, true);
        if (!k.ok()) return Fail(fmt::format("input {}: bad key: {}", i + 1, k.status().message()));
        raw.key = k.value();
      }
      if (!in.value.is_null()) {
        Result<std::string> v = JsonToBytes(in.value, *def, false);
        // A value the source cannot read is still written, as is: the engine must cope.
        raw.value = v.ok() ? v.value() : (in.value.is_string() ? in.value.as_string() : WriteJson(in.value));
      }
    } else {
      if (!in.key.is_null()) raw.key = in.key.is_string() ? in.key.as_string() : WriteJson(in.key);
      if (!in.value.is_null()) raw.value = in.value.is_string() ? in.value.as_string() : WriteJson(in.value);
    }
    Status st = log.Append(in.topic, raw);
    if (st.ok()) st = owned->RunUntilIdle();
    if (!st.ok()) return CheckError(c, st, fmt::format("processing input {}", i + 1));
  }
  if (c.has_expected_error) {
    return Fail(fmt::format("expected an error containing '{}', but every statement and record succeeded",
                            c.expected_error_message));
  }
  // Compare each topic named in the outputs, in order, with exact counts.
  std::vector<std::string> topics;
  for (const auto& o : c.outputs)
    if (std::find(topics.begin(), topics.end(), o.topic) == topics.end()) topics.push_back(o.topic);
  for (const auto& topic : topics) {
    std::vector<const TestRecord*> expected;
    for (const auto& o : c.outputs)
      if (o.topic == topic) expected.push_back(&o);
    std::vector<RawRecord> actual;
    for (int p = 0; p < std::max(1, log.Partitions(topic)); ++p)
      (void)log.Read(topic, p, 0, SIZE_MAX, actual);
    const SourceDef* def = SourceForTopic(owned->catalog(), topic);
    std::string diff;
    size_t n = std::max(expected.size(), actual.size());
    for (size_t i = 0; i < n; ++i) {
      std::string exp_text = "(none)", act_text = "(none)";
      bool same = i < expected.size() && i < actual.size();
      if (i < actual.size()) {
        Side k = DecodeSide(actual[i].key, def ? def->key_format : "JSON",
                            def ? def->schema.key : std::vector<Column>{}, def, true, c.exact_numeric);
        Side v = DecodeSide(actual[i].value, def ? def->value_format : "JSON",
                            def ? def->schema.value : std::vector<Column>{}, def, false, c.exact_numeric);
        static const Headers kNoHeaders;
        const Headers& got_headers = actual[i].headers ? *actual[i].headers : kNoHeaders;
        act_text = RecordText(k.shown, v.shown, actual[i].timestamp, std::nullopt, &got_headers);
        if (i < expected.size()) {
          const TestRecord& e = *expected[i];
          // As ksqlDB's runner: an expected timestamp of 0 is not checked when the case has no
          // inputs (its rows come from INSERT VALUES).
          bool ts_ok = !e.timestamp || *e.timestamp == actual[i].timestamp || (c.inputs.empty() && *e.timestamp == 0);
          // Headers are compared in order, key and bytes; none expected when none are given.
          bool headers_ok = e.headers ? *e.headers == got_headers : got_headers.empty();
          same = Matches(e.key, k.actual) && Matches(e.value, v.actual) && ts_ok && headers_ok;
          if (same && e.window) {
            const JsonValue* ws = e.window->Find("start");
            const JsonValue* we = e.window->Find("end");
            same = actual[i].window && ws && we && ws->AsInt64() == actual[i].window->start &&
                   we->AsInt64() == actual[i].window->end;
          }
        }
      }
      if (i < expected.size()) {
        const TestRecord& e = *expected[i];
        exp_text = RecordText(e.key, e.value, e.timestamp, e.window, e.headers ? &*e.headers : nullptr);
      }
      if (!same) diff += fmt::format("  record {}:\n    expected: {}\n    actual:   {}\n", i + 1, exp_text, act_text);
    }
    if (!diff.empty()) {
      return Fail(fmt::format("topic {}: expected {} record(s), got {}\n{}", topic, expected.size(), actual.size(),
                              diff));
    }
  }
  if (c.post) return CheckPost(*c.post, owned->catalog(), log);
  return CaseResult{};
}

// ---- .sql tests ----------------------------------------------------------------------------

// ASSERT [NULL] VALUES: the next record on the target's topic must equal the row the statement
// describes, as INSERT VALUES would build it (columns not named are NULL; ROWTIME is checked
// only when named).
CaseResult AssertNext(Engine& engine, MemoryLog& log, std::map<std::string, int64_t>& read_offsets,
                      const dsl::Statement& st) {
  const dsl::AssertValues& av = *st.assert_values;
  int line = st.pos.line;
  const SourceDef* def = engine.catalog().FindSource(av.target);
  if (!def) return Fail(fmt::format("line {}: ASSERT on unknown source {}", line, av.target));
  std::vector<std::string> columns = av.columns;
  if (columns.empty()) {
    for (const auto& col : def->schema.key) columns.push_back(col.name);
    for (const auto& col : def->schema.value) columns.push_back(col.name);
  }
  if (columns.size() != av.values.size())
    return Fail(fmt::format("line {}: {} columns but {} values", line, columns.size(), av.values.size()));
  Row want_key(def->schema.key.size()), want_value(def->schema.value.size());
  std::optional<int64_t> want_ts;
  dsl::Scope empty;
  Record none;
  for (size_t i = 0; i < columns.size(); ++i) {
    TypePtr type;
    Value* slot = nullptr;
    if (auto k = def->schema.KeyIndex(columns[i])) {
      type = def->schema.key[*k].type;
      slot = &want_key[*k];
    } else if (auto v = def->schema.ValueIndex(columns[i])) {
      type = def->schema.value[*v].type;
      slot = &want_value[*v];
    } else if (columns[i] == "ROWTIME") {
      type = Type::Bigint();
    } else {
      return Fail(fmt::format("line {}: {} has no column {}", line, av.target, columns[i]));
    }
    auto e = dsl::AnalyzeExpr(*av.values[i], empty, FunctionRegistry::Builtins());
    if (!e.ok()) return Fail(fmt::format("line {}: {}", line, e.status().ToString()));
    auto coerced = Coerce(std::move(e).value(), type);
    if (!coerced.ok()) return Fail(fmt::format("line {}: {}", line, coerced.status().ToString()));
    EvalContext ec{&none, {}};
    Value v = coerced.value()->Eval(ec);
    if (slot) *slot = std::move(v);
    else if (!v.is_null()) want_ts = v.as_bigint();
  }
  std::vector<RawRecord> recs;
  int64_t& off = read_offsets[def->topic];
  (void)log.Read(def->topic, 0, off, 1, recs);
  if (recs.empty()) return Fail(fmt::format("line {}: expected a record on {} for `{}`, but there is none", line,
                                            av.target, st.text));
  ++off;
  const RawRecord& r = recs[0];
  Side kj = DecodeSide(r.key, def->key_format, def->schema.key, def, true, true);
  Side vj = DecodeSide(r.value, def->value_format, def->schema.value, def, false, true);
  std::string actual_text = RecordText(kj.shown, vj.shown, r.timestamp, std::nullopt);
  Row got_key(def->schema.key.size()), got_value(def->schema.value.size());
  FormatOptions ko;
  ko.is_key = true;
  auto kf = MakeFormat(def->key_format, def->schema.key, ko);
  if (r.key && kf.ok()) (void)kf.value()->Deserialize(*r.key, got_key);
  bool ok = got_key == want_key && (!want_ts || *want_ts == r.timestamp);
  if (av.null_values) {
    ok = ok && !r.value;
  } else {
    FormatOptions vo;
    vo.wrap_single_value = def->wrap_single_value;
    vo.delimiter = def->value_delimiter;
    auto vf = MakeFormat(def->value_format, def->schema.value, vo);
    ok = ok && r.value && vf.ok() && vf.value()->Deserialize(*r.value, got_value).ok() && got_value == want_value;
  }
  if (!ok) return Fail(fmt::format("line {}: `{}` does not match the record {}", line, st.text, actual_text));
  return CaseResult{};
}

CaseResult RunSqlCase(const TestCase& c) {
  MemoryLog log;
  EngineOptions eo;
  eo.log = &log;
  eo.properties = c.properties;
  Engine engine(eo);
  dsl::ParseErrorInfo parse_error;
  dsl::ParseOptions po;
  po.error_info = &parse_error;
  Result<std::vector<dsl::Statement>> parsed = dsl::ParseStatements(c.script, po);
  if (!parsed.ok()) return CheckError(c, ParseErrorTexts(parsed.status(), parse_error, c.script), "parsing");
  std::map<std::string, int64_t> read_offsets;  // per topic: records already asserted
  for (auto& st : parsed.value()) {
    SourcePos pos = st.pos;
    if (st.kind == dsl::Statement::Kind::kAssertValues) {
      CaseResult r = AssertNext(engine, log, read_offsets, st);
      if (r.outcome != CaseResult::Outcome::kPass) return r;
      continue;
    }
    if (st.kind == dsl::Statement::Kind::kAssertSource) {
      return Fail(fmt::format("line {}: ASSERT STREAM|TABLE is not supported yet", pos.line));
    }
    std::vector<dsl::FormatSource> sources = FormatSources(st, engine.catalog());
    auto shared = std::make_shared<const dsl::Statement>(std::move(st));
    Status s = engine.Execute(shared);
    if (s.ok()) s = engine.RunUntilIdle();
    if (!s.ok())
      return CheckError(c, ExecuteErrorTexts(s.WithPos(pos), *shared, sources),
                        fmt::format("the statement at line {}", pos.line));
  }
  if (c.has_expected_error) return Fail("expected an error, but every statement succeeded");
  return CaseResult{};
}

}  // namespace

CaseResult RunCase(const TestCase& c) {
  if (!c.enabled) return CaseResult{CaseResult::Outcome::kSkip, "disabled in the test file"};
  return c.sql_script ? RunSqlCase(c) : RunQttCase(c);
}

}  // namespace eddy::golden
