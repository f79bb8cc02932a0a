// ksqlDB's JSON UDFs (function/udf/json). TO_JSON_STRING writes a value as ksqlDB's JSON
// serializer does (Jackson): numbers as Java prints them, DECIMAL plain, BYTES base64, DATE /
// TIME / TIMESTAMP as ISO text, structs as objects with their field names, NULL as null. The
// functions that read JSON text (EXTRACTJSONFIELD, JSON_*, IS_JSON_STRING) give NULL (false)
// for text that is not JSON, and write values back as compact JSON with numbers as written.
#include <cctype>
#include <optional>

#include "engine/common/java_format.h"
#include "engine/common/json.h"
#include "engine/function/builtin_util.h"
#include "engine/function/temporal.h"
#include "engine/function/text_codec.h"

namespace eddy {
namespace {

void AppendValueJson(const Value& v, const Type& t, std::string& out) {
  if (v.is_null()) {
    out += "null";
    return;
  }
  switch (t.kind) {
    case TypeKind::kBoolean: out += v.as_bool() ? "true" : "false"; return;
    case TypeKind::kInt: out += std::to_string(v.as_int()); return;
    case TypeKind::kBigint: out += std::to_string(v.as_bigint()); return;
    case TypeKind::kDouble: AppendJavaDouble(v.as_double(), out); return;
    case TypeKind::kDecimal: out += v.as_decimal().ToString(); return;
    case TypeKind::kString: AppendJsonString(v.as_string(), out); return;
    case TypeKind::kBytes: AppendJsonString(text::Base64Encode(v.as_bytes()), out); return;
    case TypeKind::kDate: AppendJsonString(temporal::FormatDate(v.as_date()), out); return;
    case TypeKind::kTime: AppendJsonString(temporal::FormatTime(v.as_time()), out); return;
    case TypeKind::kTimestamp: AppendJsonString(temporal::FormatTimestamp(v.as_timestamp()), out); return;
    case TypeKind::kArray: {
      out += '[';
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) out += ',';
        first = false;
        AppendValueJson(e, *t.element, out);
      }
      out += ']';
      return;
    }
    case TypeKind::kMap: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.as_map()) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(k.is_string() ? k.as_string() : k.DebugString(), out);
        out += ':';
        AppendValueJson(e, *t.element, out);
      }
      out += '}';
      return;
    }
    case TypeKind::kStruct: {
      out += '{';
      const ValueList& f = v.as_struct();
      for (size_t i = 0; i < t.fields.size(); ++i) {
        if (i) out += ',';
        AppendJsonString(t.fields[i].name, out);
        out += ':';
        AppendValueJson(i < f.size() ? f[i] : Value(), *t.fields[i].type, out);
      }
      out += '}';
      return;
    }
  }
}

// Where the first JSON value in `s` ends (brackets and strings balanced), or npos.
size_t FirstValueEnd(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  if (i == s.size()) return std::string_view::npos;
  int depth = 0;
  bool in_string = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') {
      if (--depth <= 0) return depth == 0 ? i + 1 : std::string_view::npos;
    } else if (depth == 0 && (std::isspace(static_cast<unsigned char>(c)) || c == ',')) {
      return i;
    }
  }
  return depth == 0 && !in_string ? s.size() : std::string_view::npos;
}

// JSON text as ksqlDB's functions read it (Jackson's readTree): the first JSON value, anything
// after it ignored; nullopt when there is none.
std::optional<JsonValue> ReadJson(const std::string& text) {
  Result<JsonValue> j = ParseJson(text);
  if (j.ok()) return std::move(j).value();
  size_t end = FirstValueEnd(text);
  if (end == std::string_view::npos || end == text.size()) return std::nullopt;
  Result<JsonValue> prefix = ParseJson(std::string_view(text).substr(0, end));
  if (!prefix.ok()) return std::nullopt;
  return std::move(prefix).value();
}

// Jackson's JsonNode.asText for a text node, its compact JSON otherwise (numbers as written).
std::string NodeText(const JsonValue& j) { return j.is_string() ? j.as_string() : WriteJson(j); }

// EXTRACTJSONFIELD's path: $ then .name, ['name'] or [index] steps. nullopt when malformed.
struct PathStep {
  std::string name;
  int64_t index = -1;  // >= 0 for an array step; -2 for a negative index (never matches)
};
std::optional<std::vector<PathStep>> ParsePath(const std::string& path) {
  std::vector<PathStep> steps;
  size_t i = 0;
  if (path.empty() || path[0] != '$') return std::nullopt;
  i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t j = i + 1;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      if (j == i + 1) return std::nullopt;
      steps.push_back({path.substr(i + 1, j - i - 1), -1});
      i = j;
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) return std::nullopt;
      std::string inner = path.substr(i + 1, close - i - 1);
      if (inner.size() >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner.back() == inner[0]) {
        steps.push_back({inner.substr(1, inner.size() - 2), -1});
      } else {
        bool neg = !inner.empty() && inner[0] == '-';
        std::string digits = neg ? inner.substr(1) : inner;
        if (digits.empty() || digits.size() > 9 ||
            digits.find_first_not_of("0123456789") != std::string::npos)
          return std::nullopt;
        steps.push_back({"", neg ? -2 : std::stoll(digits)});
      }
      i = close + 1;
    } else {
      return std::nullopt;
    }
  }
  return steps;
}

Value ExtractJsonField(const Value* v, size_t, EvalContext&) {
  auto steps = ParsePath(v[1].as_string());
  if (!steps) return Value();
  auto doc = ReadJson(v[0].as_string());
  if (!doc) return Value();
  const JsonValue* node = &*doc;
  for (const PathStep& st : *steps) {
    if (st.index == -1) {
      if (!node->is_object()) return Value();
      node = node->Find(st.name);
    } else {
      if (!node->is_array() || st.index < 0 || static_cast<size_t>(st.index) >= node->items().size()) return Value();
      node = &node->items()[static_cast<size_t>(st.index)];
    }
    if (!node) return Value();
  }
  if (node->is_null()) return Value();
  return Value::String(NodeText(*node));
}

Value IsJsonString(const Value* v, size_t, EvalContext&) {
  return Value::Boolean(!v[0].is_null() && ReadJson(v[0].as_string()).has_value());
}

Value JsonArrayLength(const Value* v, size_t, EvalContext&) {
  auto doc = ReadJson(v[0].as_string());
  if (!doc || !doc->is_array()) return Value();
  return Value::Int(static_cast<int32_t>(doc->items().size()));
}

Value JsonKeys(const Value* v, size_t, EvalContext&) {
  auto doc = ReadJson(v[0].as_string());
  if (!doc || !doc->is_object()) return Value();
  ValueList out;
  for (const JsonMember& m : doc->members()) out.push_back(Value::String(m.key));
  return Value::Array(std::move(out));
}

Value JsonRecords(const Value* v, size_t, EvalContext&) {
  auto doc = ReadJson(v[0].as_string());
  if (!doc || !doc->is_object()) return Value();
  std::vector<std::pair<Value, Value>> out;
  for (const JsonMember& m : doc->members()) out.emplace_back(Value::String(m.key), Value::String(NodeText(m.value)));
  return Value::Map(std::move(out));
}

Value JsonItems(const Value* v, size_t, EvalContext&) {
  auto doc = ReadJson(v[0].as_string());
  if (!doc || !doc->is_array()) return Value();
  ValueList out;
  for (const JsonValue& j : doc->items()) out.push_back(Value::String(WriteJson(j)));
  return Value::Array(std::move(out));
}

// JSON_CONCAT: objects merge (a later key wins); otherwise one array of the elements of each
// array argument and each other argument itself. Any NULL or invalid argument gives NULL.
Value JsonConcat(const Value* v, size_t n, EvalContext&) {
  std::vector<JsonValue> docs;
  bool all_objects = true;
  for (size_t i = 0; i < n; ++i) {
    if (v[i].is_null()) return Value();
    auto doc = ReadJson(v[i].as_string());
    if (!doc) return Value();
    all_objects = all_objects && doc->is_object();
    docs.push_back(std::move(*doc));
  }
  JsonValue out;
  if (all_objects) {
    out = JsonValue::Object();
    for (JsonValue& d : docs)
      for (JsonMember& m : d.members()) out.Set(m.key, std::move(m.value));
  } else {
    out = JsonValue::Array();
    for (JsonValue& d : docs) {
      if (d.is_array()) {
        for (JsonValue& e : d.items()) out.Append(std::move(e));
      } else {
        out.Append(std::move(d));
      }
    }
  }
  return Value::String(WriteJson(out));
}

// JSON_ARRAY_CONTAINS: whether the JSON array holds an element equal to `value` of the same
// JSON kind (text to a STRING, integral numbers to INT / BIGINT, numbers to DOUBLE, booleans to
// BOOLEAN, null to a NULL value).
Value JsonArrayContains(const Value* v, size_t, EvalContext&) {
  if (v[0].is_null()) return Value::Boolean(false);
  auto doc = ReadJson(v[0].as_string());
  if (!doc || !doc->is_array()) return Value::Boolean(false);
  const Value& x = v[1];
  for (const JsonValue& e : doc->items()) {
    if (x.is_null()) {
      if (e.is_null()) return Value::Boolean(true);
    } else if (x.is_string()) {
      if (e.is_string() && e.as_string() == x.as_string()) return Value::Boolean(true);
    } else if (x.is_bool()) {
      if (e.is_bool() && e.as_bool() == x.as_bool()) return Value::Boolean(true);
    } else if (x.is_int() || x.is_bigint()) {
      if (e.is_number() && e.is_integral() && e.AsInt64() == x.ToInt64()) return Value::Boolean(true);
    } else if (x.is_double()) {
      if (e.is_number() && e.AsDouble() == x.as_double()) return Value::Boolean(true);
    }
  }
  return Value::Boolean(false);
}

}  // namespace

void RegisterJsonFunctions(FunctionRegistry& r) {
  TypePtr s = Type::String();
  r.AddScalar({"EXTRACTJSONFIELD", "EXTRACTJSONFIELD(json STRING, path STRING)",
               "The value at a JSON path ($.name, $['name'], $.array[0]) in JSON text: the text of a string, the "
               "compact JSON of anything else; NULL when the text is not JSON or nothing is there.",
               "EXTRACTJSONFIELD('{\"a\": {\"b\": 1}}', '$.a.b') = '1'",
               builtin::Overloaded("EXTRACTJSONFIELD", {builtin::Sig({s, s}, s, ExtractJsonField)})});
  r.AddScalar({"IS_JSON_STRING", "IS_JSON_STRING(s STRING)", "Whether s is valid JSON text; false for NULL.",
               "IS_JSON_STRING('[1, 2]') = true",
               builtin::Overloaded("IS_JSON_STRING", {builtin::Sig({s}, Type::Boolean(), IsJsonString, false)})});
  r.AddScalar({"JSON_ARRAY_LENGTH", "JSON_ARRAY_LENGTH(json STRING)",
               "The number of elements of a JSON array; NULL when the text is not a JSON array.",
               "JSON_ARRAY_LENGTH('[1, 2]') = 2",
               builtin::Overloaded("JSON_ARRAY_LENGTH", {builtin::Sig({s}, Type::Int(), JsonArrayLength)})});
  r.AddScalar({"JSON_KEYS", "JSON_KEYS(json STRING)",
               "The keys of a JSON object, in order; NULL when the text is not a JSON object.",
               "JSON_KEYS('{\"a\": 1}') = ['a']",
               builtin::Overloaded("JSON_KEYS", {builtin::Sig({s}, Type::Array(s), JsonKeys)})});
  r.AddScalar({"JSON_RECORDS", "JSON_RECORDS(json STRING)",
               "The members of a JSON object as a map from key to the member's text (strings unquoted, other "
               "values as compact JSON); NULL when the text is not a JSON object.",
               "JSON_RECORDS('{\"a\": 1}') = {a=1}",
               builtin::Overloaded("JSON_RECORDS", {builtin::Sig({s}, Type::Map(s, s), JsonRecords)})});
  r.AddScalar({"JSON_ITEMS", "JSON_ITEMS(json STRING)",
               "The elements of a JSON array, each as compact JSON text; NULL when the text is not a JSON array.",
               "JSON_ITEMS('[{\"a\": 1}, 2]') = ['{\"a\":1}', '2']",
               builtin::Overloaded("JSON_ITEMS", {builtin::Sig({s}, Type::Array(s), JsonItems)})});
  {
    builtin::Overload o = builtin::Sig({s}, s, JsonConcat, false);
    o.variadic = true;
    r.AddScalar({"JSON_CONCAT", "JSON_CONCAT(json STRING, ...)",
                 "Objects merge into one (a later key wins); otherwise one array of the elements of each array and "
                 "each other value. NULL when any argument is NULL or not JSON.",
                 "JSON_CONCAT('[1]', '[2]') = '[1,2]'", builtin::Overloaded("JSON_CONCAT", {o})});
  }
  {
    builtin::Overload o;
    o.params = {builtin::Param::Of(s), builtin::Param::Generic()};
    o.make = [](const std::vector<TypePtr>&, const TypePtr&) -> Result<BoundScalar> {
      return BoundScalar{Type::Boolean(), {}, JsonArrayContains, false};
    };
    r.AddScalar({"JSON_ARRAY_CONTAINS", "JSON_ARRAY_CONTAINS(json STRING, value T)",
                 "Whether the JSON array holds an element equal to value (of the same JSON kind); false when the "
                 "text is NULL or not a JSON array.",
                 "JSON_ARRAY_CONTAINS('[1, 2]', 2) = true", builtin::Overloaded("JSON_ARRAY_CONTAINS", {o})});
  }
  builtin::Overload o;
  o.params = {builtin::Param::Generic()};
  o.make = [](const std::vector<TypePtr>&, const TypePtr& t) -> Result<BoundScalar> {
    TypePtr type = t ? t : Type::String();
    return BoundScalar{Type::String(), {}, [type](const Value* v, size_t, EvalContext&) {
      std::string out;
      AppendValueJson(v[0], *type, out);
      return Value::String(std::move(out));
    }, false};
  };
  r.AddScalar({"TO_JSON_STRING", "TO_JSON_STRING(value T)", "The value written as JSON text; NULL gives 'null'.",
               "TO_JSON_STRING(ARRAY[1, 2]) = '[1,2]'", builtin::Overloaded("to_json_string", {o})});
}

}  // namespace eddy
