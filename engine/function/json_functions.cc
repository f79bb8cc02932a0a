// TO_JSON_STRING: a value written as ksqlDB's JSON serializer writes it (Jackson): numbers as
// Java prints them, DECIMAL plain, BYTES base64, DATE / TIME / TIMESTAMP as ISO text, structs
// as objects with their field names, NULL as null.
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

}  // namespace

void RegisterJsonFunctions(FunctionRegistry& r) {
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
