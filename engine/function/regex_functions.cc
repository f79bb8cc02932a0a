// REGEXP_EXTRACT, REGEXP_EXTRACT_ALL, REGEXP_REPLACE, REGEXP_SPLIT_TO_ARRAY.
//
// ksqlDB uses java.util.regex; eddy uses std::regex (ECMAScript). They agree on the common
// syntax (classes, \w \d \s, groups, alternation, greedy and lazy quantifiers, anchors, lookahead).
// A leading (?i) is honoured as case-insensitive. Not supported (the pattern is an error or
// behaves differently): lookbehind, possessive quantifiers, atomic groups, named groups,
// \A \Z \z, inline flags other than a leading (?i), and Unicode classes such as \p{L}.
#include <list>
#include <regex>
#include <unordered_map>

#include "engine/function/builtin_util.h"

namespace eddy {
namespace {

using builtin::Sig;

// Compiled patterns, most recently used first. Patterns are usually literals, so this hits.
const std::regex* Compile(const std::string& pattern, EvalContext& ctx) {
  struct Entry {
    std::string pattern;
    std::regex re;
  };
  thread_local std::list<Entry> cache;
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->pattern == pattern) {
      cache.splice(cache.begin(), cache, it);
      return &cache.front().re;
    }
  }
  auto flags = std::regex::ECMAScript;
  std::string body = pattern;
  if (body.rfind("(?i)", 0) == 0) {
    flags |= std::regex::icase;
    body = body.substr(4);
  }
  try {
    cache.push_front(Entry{pattern, std::regex(body, flags)});
  } catch (const std::regex_error& e) {
    ctx.Fail("Invalid regular expression pattern: " + pattern);
    return nullptr;
  }
  if (cache.size() > 32) cache.pop_back();
  return &cache.front().re;
}

Value GroupValue(const std::smatch& m, int64_t group, EvalContext& ctx) {
  if (group < 0 || static_cast<size_t>(group) >= m.size()) {
    ctx.Fail("No group " + std::to_string(group));
    return Value();
  }
  if (!m[group].matched) return Value();
  return Value::String(m[group].str());
}

Value Extract(const Value* v, size_t n, EvalContext& ctx) {
  const std::regex* re = Compile(v[0].as_string(), ctx);
  if (!re) return Value();
  const std::string& s = v[1].as_string();
  std::smatch m;
  if (!std::regex_search(s, m, *re)) return Value();
  return GroupValue(m, n > 2 ? v[2].as_int() : 0, ctx);
}

Value ExtractAll(const Value* v, size_t n, EvalContext& ctx) {
  const std::regex* re = Compile(v[0].as_string(), ctx);
  if (!re) return Value();
  const std::string& s = v[1].as_string();
  int64_t group = n > 2 ? v[2].as_int() : 0;
  ValueList out;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), *re); it != std::sregex_iterator(); ++it) {
    Value g = GroupValue(*it, group, ctx);
    if (!ctx.error.empty()) return Value();
    out.push_back(std::move(g));
  }
  return Value::Array(std::move(out));
}

// Java's replacement syntax: $n is group n, \x is a literal x.
std::string ToEcmaReplacement(const std::string& r) {
  std::string out;
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i] == '\\' && i + 1 < r.size()) {
      if (r[i + 1] == '$') out += "$$";
      else out += r[i + 1];
      ++i;
    } else {
      out += r[i];
    }
  }
  return out;
}

Value Replace(const Value* v, size_t, EvalContext& ctx) {
  const std::regex* re = Compile(v[1].as_string(), ctx);
  if (!re) return Value();
  return Value::String(std::regex_replace(v[0].as_string(), *re, ToEcmaReplacement(v[2].as_string())));
}

// String.split semantics as ksqlDB's RegexpSplitToArray uses them, keeping trailing empties.
Value SplitToArray(const Value* v, size_t, EvalContext& ctx) {
  const std::string& s = v[0].as_string();
  const std::string& pattern = v[1].as_string();
  ValueList out;
  if (pattern.empty()) {
    for (char c : s) out.push_back(Value::String(std::string(1, c)));
    return Value::Array(std::move(out));
  }
  const std::regex* re = Compile(pattern, ctx);
  if (!re) return Value();
  size_t last = 0;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), *re); it != std::sregex_iterator(); ++it) {
    size_t at = static_cast<size_t>(it->position(0));
    if (it->length(0) == 0 && at == 0) continue;
    out.push_back(Value::String(s.substr(last, at - last)));
    last = at + static_cast<size_t>(it->length(0));
  }
  out.push_back(Value::String(s.substr(last)));
  return Value::Array(std::move(out));
}

}  // namespace

void RegisterRegexFunctions(FunctionRegistry& r) {
  TypePtr s = Type::String(), i = Type::Int(), arr = Type::Array(Type::String());
  r.AddScalar({"REGEXP_EXTRACT", "REGEXP_EXTRACT(pattern STRING, s STRING [, group INT])",
               "The first match of the Java-style pattern in s (or its group), or NULL.",
               "REGEXP_EXTRACT('(.*) (.*)', 'steven zhang', 2) = 'zhang'",
               builtin::Overloaded("regexp_extract", {Sig({s, s}, s, Extract), Sig({s, s, i}, s, Extract)})});
  r.AddScalar({"REGEXP_EXTRACT_ALL", "REGEXP_EXTRACT_ALL(pattern STRING, s STRING [, group INT])",
               "Every match of the pattern in s (or the group of each), as an array.",
               "REGEXP_EXTRACT_ALL('test.', 'test_testa') = ['test_', 'testa']",
               builtin::Overloaded("regexp_extract_all", {Sig({s, s}, arr, ExtractAll), Sig({s, s, i}, arr, ExtractAll)})});
  r.AddScalar({"REGEXP_REPLACE", "REGEXP_REPLACE(s STRING, pattern STRING, replacement STRING)",
               "Replaces every match of the pattern; $n in the replacement is group n.",
               "REGEXP_REPLACE('aab', 'a+', 'x') = 'xb'",
               builtin::Overloaded("regexp_replace", {Sig({s, s, s}, s, Replace)})});
  r.AddScalar({"REGEXP_SPLIT_TO_ARRAY", "REGEXP_SPLIT_TO_ARRAY(s STRING, pattern STRING)",
               "Splits s around matches of the pattern.", "REGEXP_SPLIT_TO_ARRAY('a1b22c', '[0-9]+') = ['a', 'b', 'c']",
               builtin::Overloaded("regexp_split_to_array", {Sig({s, s}, arr, SplitToArray)})});
}

}  // namespace eddy
