// A first set of ksqlDB's string UDFs; the stage-1 work widens it.
#include <algorithm>

#include "engine/function/builtin_util.h"

namespace eddy {
namespace {

ScalarFunction StringToString(std::string name, std::string desc, std::string (*f)(const std::string&)) {
  return ScalarFunction{name, name + "(s STRING)", std::move(desc), name + "('abc')",
                        builtin::Fixed(name, Type::String(), {Type::String()},
                                       [f](const Value* v, size_t, EvalContext&) { return Value::String(f(v[0].as_string())); })};
}

std::string Upper(const std::string& s) {
  std::string o = s;
  std::transform(o.begin(), o.end(), o.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return o;
}
std::string Lower(const std::string& s) {
  std::string o = s;
  std::transform(o.begin(), o.end(), o.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return o;
}
std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Java's String.length() counts UTF-16 code units.
int32_t Utf16Length(const std::string& s) {
  int32_t n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    n += len == 4 ? 2 : 1;
    i += len;
  }
  return n;
}

}  // namespace

void RegisterStringFunctions(FunctionRegistry& r) {
  r.AddScalar(StringToString("UCASE", "Upper-cases the string.", Upper));
  r.AddScalar(StringToString("LCASE", "Lower-cases the string.", Lower));
  r.AddScalar(StringToString("TRIM", "Removes leading and trailing white space.", Trim));
  r.AddScalar({"LEN", "LEN(s STRING)", "The length of the string in UTF-16 code units, as Java counts.", "LEN('abc') = 3",
               builtin::Fixed("LEN", Type::Int(), {Type::String()},
                              [](const Value* v, size_t, EvalContext&) { return Value::Int(Utf16Length(v[0].as_string())); })});
  ScalarFunction concat{"CONCAT", "CONCAT(s STRING, ...)", "Joins the strings; NULL arguments are skipped.",
                        "CONCAT('a', 'b') = 'ab'", nullptr};
  concat.bind = [](const std::vector<TypePtr>& a) -> Result<BoundScalar> {
    if (a.empty()) return builtin::NoOverload("CONCAT", a);
    for (const auto& t : a)
      if (t->kind != TypeKind::kString) return builtin::NoOverload("CONCAT", a);
    return BoundScalar{Type::String(), a, [](const Value* v, size_t n, EvalContext&) {
      std::string out;
      for (size_t i = 0; i < n; ++i)
        if (!v[i].is_null()) out += v[i].as_string();
      return Value::String(std::move(out));
    }, false};
  };
  r.AddScalar(std::move(concat));
}

}  // namespace eddy
