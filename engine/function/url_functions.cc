// ksqlDB's URL UDFs (function/udf/url). The URL_EXTRACT_* functions split the text as Java's
// java.net.URI does ([scheme:][//[user@]host[:port]][path][?query][#fragment]) and return the
// decoded component, NULL when it is absent; text that is not a valid URI is an error.
// URL_ENCODE_PARAM / URL_DECODE_PARAM are Java's URLEncoder / URLDecoder in UTF-8.
#include <fmt/format.h>

#include <cctype>
#include <optional>

#include "engine/function/builtin_util.h"

namespace eddy {
namespace {

struct Uri {
  std::optional<std::string> scheme, user, host, path, query, fragment;
  int port = -1;
};

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes decoded (URI components); `plus_is_space` for form encoding (URLDecoder).
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int a = Hex(s[i + 1]), b = Hex(s[i + 2]);
      if (a < 0 || b < 0) return std::nullopt;
      out += static_cast<char>(a * 16 + b);
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

bool IllegalUriChar(unsigned char c) {
  // Characters java.net.URI rejects anywhere outside an escape.
  return c <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' ||
         c == '|' || c == '}' || c == 0x7f;
}

std::optional<Uri> ParseUri(const std::string& s) {
  for (unsigned char c : s)
    if (IllegalUriChar(c)) return std::nullopt;
  Uri u;
  std::string_view rest = s;
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    auto f = PercentDecode(rest.substr(hash + 1), false);
    if (!f) return std::nullopt;
    u.fragment = *f;
    rest = rest.substr(0, hash);
  }
  // A scheme: a letter, then letters, digits, + - . up to the first ':' (before any / ? #).
  size_t colon = rest.find(':');
  if (colon != std::string_view::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(rest[0]))) {
    bool ok = true;
    for (size_t i = 0; i < colon && ok; ++i) {
      char c = rest[i];
      ok = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    }
    if (ok) {
      u.scheme = std::string(rest.substr(0, colon));
      rest = rest.substr(colon + 1);
      if (rest.empty()) return std::nullopt;  // "http:" has no scheme-specific part
      if (rest[0] != '/') return u;            // opaque URI (mailto:x): no host, path or query
    }
  }
  size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    auto d = PercentDecode(rest.substr(q + 1), false);
    if (!d) return std::nullopt;
    u.query = *d;
    rest = rest.substr(0, q);
  }
  if (rest.substr(0, 2) == "//") {
    rest = rest.substr(2);
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      u.user = std::string(authority.substr(0, at));
      authority = authority.substr(at + 1);
    }
    size_t pc = authority.rfind(':');
    if (pc != std::string_view::npos && authority.find(']') == std::string_view::npos) {
      std::string_view port = authority.substr(pc + 1);
      authority = authority.substr(0, pc);
      if (!port.empty()) {
        int p = 0;
        for (char c : port) {
          if (!std::isdigit(static_cast<unsigned char>(c)) || p > 100000) return std::nullopt;
          p = p * 10 + (c - '0');
        }
        u.port = p;
      }
    }
    if (!authority.empty()) u.host = std::string(authority);
  }
  auto p = PercentDecode(rest, false);
  if (!p) return std::nullopt;
  u.path = *p;
  return u;
}

// Runs `part` on the parsed URI; invalid text fails the call as ksqlDB's does.
template <typename F>
Value Extract(const Value* v, EvalContext& ctx, F part) {
  std::optional<Uri> u = ParseUri(v[0].as_string());
  if (!u) {
    ctx.Fail("URL input has invalid syntax: " + v[0].as_string());
    return Value();
  }
  return part(*u);
}

Value Opt(const std::optional<std::string>& s) { return s ? Value::String(*s) : Value(); }

Value EncodeParam(const Value* v, size_t, EvalContext&) {
  std::string out;
  for (unsigned char c : v[0].as_string()) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_') out += static_cast<char>(c);
    else if (c == ' ') out += '+';
    else out += fmt::format("%{:02X}", c);
  }
  return Value::String(std::move(out));
}

Value DecodeParam(const Value* v, size_t, EvalContext& ctx) {
  auto d = PercentDecode(v[0].as_string(), true);
  if (!d) {
    ctx.Fail("URLDecoder: Illegal hex characters in escape (%) pattern in " + v[0].as_string());
    return Value();
  }
  return Value::String(std::move(*d));
}

}  // namespace

void RegisterUrlFunctions(FunctionRegistry& r) {
  TypePtr s = Type::String();
  auto add = [&r, s](std::string name, std::string desc, std::string example, TypePtr ret, ScalarImpl impl,
                     bool two = false) {
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::vector<TypePtr> params{s};
    if (two) params.push_back(s);
    std::string sig = name + (two ? "(url STRING, parameter STRING)" : "(url STRING)");
    r.AddScalar({name, sig, std::move(desc), std::move(example),
                 builtin::Overloaded(lower, {builtin::Sig(params, ret, std::move(impl))})});
  };
  add("URL_ENCODE_PARAM", "Encodes text for a URL query parameter (application/x-www-form-urlencoded, UTF-8).",
      "URL_ENCODE_PARAM('a b&c') = 'a+b%26c'", s, EncodeParam);
  add("URL_DECODE_PARAM", "Decodes a URL query parameter (application/x-www-form-urlencoded, UTF-8).",
      "URL_DECODE_PARAM('a+b%26c') = 'a b&c'", s, DecodeParam);
  add("URL_EXTRACT_FRAGMENT", "The decoded fragment of the URL, or NULL.",
      "URL_EXTRACT_FRAGMENT('http://a.com/p#frag') = 'frag'", s,
      [](const Value* v, size_t, EvalContext& ctx) { return Extract(v, ctx, [](const Uri& u) { return Opt(u.fragment); }); });
  add("URL_EXTRACT_HOST", "The host of the URL, or NULL.", "URL_EXTRACT_HOST('http://user@a.com:8080/p') = 'a.com'", s,
      [](const Value* v, size_t, EvalContext& ctx) { return Extract(v, ctx, [](const Uri& u) { return Opt(u.host); }); });
  add("URL_EXTRACT_PATH", "The decoded path of the URL ('' when it has none but a host).",
      "URL_EXTRACT_PATH('http://a.com/x/y?q') = '/x/y'", s,
      [](const Value* v, size_t, EvalContext& ctx) { return Extract(v, ctx, [](const Uri& u) { return Opt(u.path); }); });
  add("URL_EXTRACT_PORT", "The port of the URL, or NULL when it names none.",
      "URL_EXTRACT_PORT('http://a.com:8080/') = 8080", Type::Int(),
      [](const Value* v, size_t, EvalContext& ctx) {
        return Extract(v, ctx, [](const Uri& u) { return u.port < 0 ? Value() : Value::Int(u.port); });
      });
  add("URL_EXTRACT_PROTOCOL", "The scheme of the URL ('http'), or NULL.",
      "URL_EXTRACT_PROTOCOL('https://a.com') = 'https'", s,
      [](const Value* v, size_t, EvalContext& ctx) { return Extract(v, ctx, [](const Uri& u) { return Opt(u.scheme); }); });
  add("URL_EXTRACT_QUERY", "The decoded query of the URL (after '?'), or NULL.",
      "URL_EXTRACT_QUERY('http://a.com/p?x=1&y') = 'x=1&y'", s,
      [](const Value* v, size_t, EvalContext& ctx) { return Extract(v, ctx, [](const Uri& u) { return Opt(u.query); }); });
  add("URL_EXTRACT_PARAMETER",
      "The value of the named parameter in the decoded query ('' when it has no '='), or NULL when absent.",
      "URL_EXTRACT_PARAMETER('http://a.com/?x=1&y', 'x') = '1'", s,
      [](const Value* v, size_t, EvalContext& ctx) {
        const std::string& name = v[1].as_string();
        return Extract(v, ctx, [&name](const Uri& u) -> Value {
          if (!u.query) return Value();
          std::string_view q = *u.query;
          while (true) {
            size_t amp = q.find('&');
            std::string_view param = q.substr(0, amp);
            size_t eq = param.find('=');
            if (param.substr(0, eq) == name)
              return Value::String(eq == std::string_view::npos ? std::string() : std::string(param.substr(eq + 1)));
            if (amp == std::string_view::npos) return Value();
            q = q.substr(amp + 1);
          }
        });
      },
      true);
}

}  // namespace eddy
