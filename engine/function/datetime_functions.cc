// PARSE_DATE and FORMAT_DATE over a subset of Java's DateTimeFormatter patterns: the fields
// y/u (year), M (month, numeric), d (day of month), quoted text ('...', '' for a quote) and
// other non-letter characters as literals. Patterns using other letters are an error.
#include <cctype>

#include "engine/function/builtin_util.h"
#include "engine/function/temporal.h"

namespace eddy {
namespace {

struct Token {
  char field = 0;  // 0: literal
  int width = 0;
  std::string literal;
};

std::optional<std::vector<Token>> Tokenize(const std::string& p) {
  std::vector<Token> out;
  for (size_t i = 0; i < p.size();) {
    char c = p[i];
    if (c == '\'') {
      std::string lit;
      ++i;
      if (i < p.size() && p[i] == '\'') {
        out.push_back({0, 0, "'"});
        ++i;
        continue;
      }
      while (i < p.size()) {
        if (p[i] == '\'') {
          if (i + 1 < p.size() && p[i + 1] == '\'') {
            lit += '\'';
            i += 2;
            continue;
          }
          break;
        }
        lit += p[i++];
      }
      if (i >= p.size()) return std::nullopt;
      ++i;
      out.push_back({0, 0, lit});
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      if (c != 'y' && c != 'u' && c != 'M' && c != 'd') return std::nullopt;
      size_t j = i;
      while (j < p.size() && p[j] == c) ++j;
      out.push_back({c == 'u' ? 'y' : c, static_cast<int>(j - i), ""});
      i = j;
    } else {
      out.push_back({0, 0, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

Value ParseDate(const Value* v, size_t, EvalContext& ctx) {
  const std::string& s = v[0].as_string();
  auto tokens = Tokenize(v[1].as_string());
  if (!tokens) {
    ctx.Fail("Unsupported date pattern: " + v[1].as_string());
    return Value();
  }
  int64_t year = 1970;
  int month = 1, day = 1;
  size_t i = 0;
  for (const Token& t : *tokens) {
    if (!t.field) {
      if (s.compare(i, t.literal.size(), t.literal) != 0) {
        ctx.Fail("Failed to parse date '" + s + "' with pattern '" + v[1].as_string() + "'");
        return Value();
      }
      i += t.literal.size();
      continue;
    }
    // A field reads at least `width` digits (exactly 2 for MM/dd, up to 2 for M/d; years greedy).
    size_t max = t.field == 'y' ? (t.width == 2 ? 2 : 10) : 2;
    size_t min = t.field == 'y' ? static_cast<size_t>(t.width == 2 ? 2 : t.width) : static_cast<size_t>(t.width);
    size_t j = i;
    while (j < s.size() && j - i < max && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j - i < min || j == i) {
      ctx.Fail("Failed to parse date '" + s + "' with pattern '" + v[1].as_string() + "'");
      return Value();
    }
    int64_t n = std::stoll(s.substr(i, j - i));
    i = j;
    if (t.field == 'y') year = t.width == 2 ? 2000 + n : n;
    else if (t.field == 'M') month = static_cast<int>(n);
    else day = static_cast<int>(n);
  }
  std::string iso = fmt::format("{:04}-{:02}-{:02}", year, month, day);
  auto days = temporal::ParseDate(iso);
  if (i != s.size() || !days) {
    ctx.Fail("Failed to parse date '" + s + "' with pattern '" + v[1].as_string() + "'");
    return Value();
  }
  return Value::Dt(*days);
}

Value FormatDate(const Value* v, size_t, EvalContext& ctx) {
  auto tokens = Tokenize(v[1].as_string());
  if (!tokens) {
    ctx.Fail("Unsupported date pattern: " + v[1].as_string());
    return Value();
  }
  int64_t y;
  unsigned m, d;
  temporal::CivilFromDays(v[0].as_date(), &y, &m, &d);
  std::string out;
  for (const Token& t : *tokens) {
    if (!t.field) out += t.literal;
    else if (t.field == 'y') out += t.width == 2 ? fmt::format("{:02}", y % 100) : fmt::format("{:0{}}", y, t.width);
    else out += fmt::format("{:0{}}", t.field == 'M' ? m : d, t.width);
  }
  return Value::String(std::move(out));
}

}  // namespace

void RegisterDateTimeFunctions(FunctionRegistry& r) {
  TypePtr s = Type::String(), dt = Type::Date();
  r.AddScalar({"PARSE_DATE", "PARSE_DATE(s STRING, pattern STRING)",
               "Reads a DATE from s with a Java date pattern (fields y, M, d and literals).",
               "PARSE_DATE('2022-02-02', 'yyyy-MM-dd') = 2022-02-02",
               builtin::Overloaded("parse_date", {builtin::Sig({s, s}, dt, ParseDate)})});
  r.AddScalar({"FORMAT_DATE", "FORMAT_DATE(d DATE, pattern STRING)",
               "Writes a DATE with a Java date pattern (fields y, M, d and literals).",
               "FORMAT_DATE(PARSE_DATE('2022-02-02', 'yyyy-MM-dd'), 'dd/MM/yyyy') = '02/02/2022'",
               builtin::Overloaded("format_date", {builtin::Sig({dt, s}, s, FormatDate)})});
}

}  // namespace eddy
