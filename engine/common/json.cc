#include "engine/common/json.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

namespace eddy {

// ---- JsonValue ---------------------------------------------------------------------------

JsonValue JsonValue::Bool(bool b) {
  JsonValue v;
  v.v_ = b;
  return v;
}

JsonValue JsonValue::Number(std::string text) {
  JsonValue v;
  const bool integral = text.find_first_of(".eE") == std::string::npos;
  v.v_ = NumberRep{std::move(text), integral};
  return v;
}

JsonValue JsonValue::Integer(int64_t i) { return Number(std::to_string(i)); }

JsonValue JsonValue::String(std::string s) {
  JsonValue v;
  v.v_ = std::move(s);
  return v;
}

JsonValue JsonValue::Array(std::vector<JsonValue> items) {
  JsonValue v;
  v.v_ = std::move(items);
  return v;
}

JsonValue JsonValue::Object(std::vector<JsonMember> members) {
  JsonValue v;
  v.v_ = std::move(members);
  return v;
}

std::optional<int64_t> JsonValue::AsInt64() const {
  if (!is_number() || !is_integral()) return std::nullopt;
  const std::string& t = number_text();
  int64_t out = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return std::nullopt;
  return out;
}

double JsonValue::AsDouble() const {
  const std::string& t = number_text();
  double out = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  // Out of range: from_chars leaves `out` alone, strtod gives the infinity or zero.
  if (r.ec == std::errc::result_out_of_range) return std::strtod(t.c_str(), nullptr);
  return out;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const auto& m = members();
  for (auto it = m.rbegin(); it != m.rend(); ++it)
    if (it->key == key) return &it->value;
  return nullptr;
}

JsonValue* JsonValue::Find(std::string_view key) {
  return const_cast<JsonValue*>(static_cast<const JsonValue*>(this)->Find(key));
}

void JsonValue::Set(std::string key, JsonValue value) {
  if (JsonValue* existing = Find(key)) {
    *existing = std::move(value);
    return;
  }
  members().push_back(JsonMember{std::move(key), std::move(value)});
}

bool JsonValue::operator==(const JsonValue& other) const { return v_ == other.v_; }

bool JsonEquivalent(const JsonValue& a, const JsonValue& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case JsonValue::Kind::kArray: {
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!JsonEquivalent(x[i], y[i])) return false;
      return true;
    }
    case JsonValue::Kind::kObject: {
      // Distinct keys on both sides, each with an equivalent value on the other.
      const auto& x = a.members();
      const auto& y = b.members();
      auto distinct = [](const std::vector<JsonMember>& m) {
        size_t n = 0;
        for (size_t i = 0; i < m.size(); ++i) {
          bool seen = false;
          for (size_t j = i + 1; j < m.size() && !seen; ++j) seen = m[j].key == m[i].key;
          if (!seen) ++n;
        }
        return n;
      };
      if (distinct(x) != distinct(y)) return false;
      for (const auto& member : x) {
        const JsonValue* other = b.Find(member.key);
        if (other == nullptr || !JsonEquivalent(*a.Find(member.key), *other)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

// ---- Parser ------------------------------------------------------------------------------

namespace {

class Parser {
 public:
  Parser(std::string_view text, const JsonParseOptions& options) : s_(text), opts_(options) {}

  Result<JsonValue> ParseDocument() {
    RETURN_IF_ERROR(SkipSpace());
    JsonValue v;
    RETURN_IF_ERROR(ParseValue(v, 0));
    RETURN_IF_ERROR(SkipSpace());
    if (pos_ < s_.size()) return Error("unexpected content after the JSON value");
    return v;
  }

 private:
  [[gnu::noinline]] Status Error(std::string message) const { return ErrorAt(pos_, std::move(message)); }

  [[gnu::noinline]] Status ErrorAt(size_t at, std::string message) const {
    SourcePos p{1, 1};
    for (size_t i = 0; i < at && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++p.line;
        p.column = 1;
      } else if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) {
        ++p.column;  // count characters, not UTF-8 continuation bytes
      }
    }
    return Status::Invalid("invalid JSON: " + message, p);
  }

  [[gnu::noinline]] Status SkipSpace() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '/' && opts_.allow_comments && pos_ + 1 < s_.size() && s_[pos_ + 1] == '/') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (c == '/' && opts_.allow_comments && pos_ + 1 < s_.size() && s_[pos_ + 1] == '*') {
        const size_t start = pos_;
        const size_t end = s_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return ErrorAt(start, "unterminated /* comment");
        pos_ = end + 2;
      } else {
        break;
      }
    }
    return Status::Ok();
  }

  // ParseValue, ParseArray and ParseObject recurse once per nesting level, so everything else
  // stays out of line: their frames must stay small for max_depth levels to fit any stack
  // (sanitizer builds included).
  Status ParseValue(JsonValue& out, int depth) {
    if (pos_ < s_.size()) {
      if (s_[pos_] == '{') return ParseObject(out, depth + 1);
      if (s_[pos_] == '[') return ParseArray(out, depth + 1);
    }
    return ParseScalar(out);
  }

  [[gnu::noinline]] Status ParseScalar(JsonValue& out) {
    if (pos_ >= s_.size()) return Error("unexpected end of input, expected a value");
    const char c = s_[pos_];
    switch (c) {
      case '"': {
        std::string str;
        RETURN_IF_ERROR(ParseString(str));
        out = JsonValue::String(std::move(str));
        return Status::Ok();
      }
      case 't': return ParseLiteral("true", JsonValue::Bool(true), out);
      case 'f': return ParseLiteral("false", JsonValue::Bool(false), out);
      case 'n': return ParseLiteral("null", JsonValue::Null(), out);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
        return UnexpectedChar("");
    }
  }

  // "unexpected character 'x'" plus what was expected, or the end of input.
  [[gnu::noinline]] Status UnexpectedChar(std::string_view expected) const {
    if (pos_ >= s_.size()) {
      return Error(fmt::format("unexpected end of input{}{}", expected.empty() ? "" : ", expected ",
                               expected));
    }
    return Error(fmt::format("unexpected character '{}'{}{}", PrintableChar(s_[pos_]),
                             expected.empty() ? "" : ", expected ", expected));
  }

  [[gnu::noinline]] Status DepthError() const { return Error("nesting deeper than the limit"); }

  static std::string PrintableChar(char c) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
    return std::string(1, c);
  }

  [[gnu::noinline]] Status ParseLiteral(std::string_view word, JsonValue value, JsonValue& out) {
    if (s_.substr(pos_, word.size()) != word) {
      return Error(fmt::format("unexpected character '{}'", PrintableChar(s_[pos_])));
    }
    pos_ += word.size();
    out = std::move(value);
    return Status::Ok();
  }

  [[gnu::noinline]] Status ParseNumber(JsonValue& out) {
    const size_t start = pos_;
    auto digits = [&]() {
      const size_t from = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
      if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        return ErrorAt(start, "numbers cannot have leading zeros");
      }
    } else if (digits() == 0) {
      return ErrorAt(start, "invalid number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return ErrorAt(start, "invalid number: digits expected after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return ErrorAt(start, "invalid number: digits expected in the exponent");
    }
    out = JsonValue::Number(std::string(s_.substr(start, pos_ - start)));
    return Status::Ok();
  }

  Status ParseHex4(uint32_t& out) {
    if (pos_ + 4 > s_.size()) return Error("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_ + i];
      uint32_t d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return Error("invalid \\u escape: four hex digits expected");
      out = out * 16 + d;
    }
    pos_ += 4;
    return Status::Ok();
  }

  static void AppendUtf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  [[gnu::noinline]] Status ParseString(std::string& out) {
    const size_t start = pos_;
    ++pos_;  // opening quote
    while (true) {
      // Copy the run of plain characters in one go.
      const size_t run = pos_;
      while (pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '\\' &&
             static_cast<unsigned char>(s_[pos_]) >= 0x20) {
        ++pos_;
      }
      out.append(s_.data() + run, pos_ - run);
      if (pos_ >= s_.size()) return ErrorAt(start, "unterminated string");
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return Status::Ok();
      }
      if (c != '\\') return Error("control character in string: it must be escaped");
      ++pos_;
      if (pos_ >= s_.size()) return ErrorAt(start, "unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          RETURN_IF_ERROR(ParseHex4(cp));
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate must be followed by an escaped low surrogate.
            if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') {
              return Error("invalid \\u escape: unpaired surrogate");
            }
            pos_ += 2;
            uint32_t low = 0;
            RETURN_IF_ERROR(ParseHex4(low));
            if (low < 0xDC00 || low > 0xDFFF) return Error("invalid \\u escape: unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Error("invalid \\u escape: unpaired surrogate");
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return ErrorAt(pos_ - 2, fmt::format("invalid escape '\\{}'", PrintableChar(e)));
      }
    }
  }

  Status ParseArray(JsonValue& out, int depth) {
    if (depth > opts_.max_depth) return DepthError();
    ++pos_;  // [
    out = JsonValue::Array();
    std::vector<JsonValue>& items = out.items();
    RETURN_IF_ERROR(SkipSpace());
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return Status::Ok();
    }
    while (true) {
      RETURN_IF_ERROR(SkipSpace());
      items.emplace_back();
      RETURN_IF_ERROR(ParseValue(items.back(), depth));
      RETURN_IF_ERROR(SkipSpace());
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return Status::Ok();
      }
      return UnexpectedChar("',' or ']'");
    }
  }

  Status ParseObject(JsonValue& out, int depth) {
    if (depth > opts_.max_depth) return DepthError();
    ++pos_;  // {
    out = JsonValue::Object();
    std::vector<JsonMember>& members = out.members();
    RETURN_IF_ERROR(SkipSpace());
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return Status::Ok();
    }
    while (true) {
      RETURN_IF_ERROR(SkipSpace());
      if (pos_ >= s_.size() || s_[pos_] != '"') return UnexpectedChar("a quoted key");
      members.emplace_back();
      RETURN_IF_ERROR(ParseString(members.back().key));
      RETURN_IF_ERROR(SkipSpace());
      if (pos_ >= s_.size() || s_[pos_] != ':') return Error("expected ':' after the key");
      ++pos_;
      RETURN_IF_ERROR(SkipSpace());
      RETURN_IF_ERROR(ParseValue(members.back().value, depth));
      RETURN_IF_ERROR(SkipSpace());
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return Status::Ok();
      }
      return UnexpectedChar("',' or '}'");
    }
  }

  std::string_view s_;
  JsonParseOptions opts_;
  size_t pos_ = 0;
};

void AppendPretty(const JsonValue& v, int indent, int level, std::string& out) {
  auto newline = [&](int lvl) {
    out.push_back('\n');
    out.append(static_cast<size_t>(indent * lvl), ' ');
  };
  switch (v.kind()) {
    case JsonValue::Kind::kArray: {
      if (v.items().empty()) {
        out.append("[]");
        return;
      }
      out.push_back('[');
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) out.push_back(',');
        newline(level + 1);
        AppendPretty(v.items()[i], indent, level + 1, out);
      }
      newline(level);
      out.push_back(']');
      return;
    }
    case JsonValue::Kind::kObject: {
      if (v.members().empty()) {
        out.append("{}");
        return;
      }
      out.push_back('{');
      for (size_t i = 0; i < v.members().size(); ++i) {
        if (i) out.push_back(',');
        newline(level + 1);
        AppendJsonString(v.members()[i].key, out);
        out.append(": ");
        AppendPretty(v.members()[i].value, indent, level + 1, out);
      }
      newline(level);
      out.push_back('}');
      return;
    }
    default:
      AppendJson(v, out);
  }
}

}  // namespace

Result<JsonValue> ParseJson(std::string_view text, const JsonParseOptions& options) {
  return Parser(text, options).ParseDocument();
}

// ---- Writer ------------------------------------------------------------------------------

void AppendJsonString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void AppendJson(const JsonValue& v, std::string& out) {
  switch (v.kind()) {
    case JsonValue::Kind::kNull: out.append("null"); return;
    case JsonValue::Kind::kBool: out.append(v.as_bool() ? "true" : "false"); return;
    case JsonValue::Kind::kNumber: out.append(v.number_text()); return;
    case JsonValue::Kind::kString: AppendJsonString(v.as_string(), out); return;
    case JsonValue::Kind::kArray:
      out.push_back('[');
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) out.push_back(',');
        AppendJson(v.items()[i], out);
      }
      out.push_back(']');
      return;
    case JsonValue::Kind::kObject:
      out.push_back('{');
      for (size_t i = 0; i < v.members().size(); ++i) {
        if (i) out.push_back(',');
        AppendJsonString(v.members()[i].key, out);
        out.push_back(':');
        AppendJson(v.members()[i].value, out);
      }
      out.push_back('}');
      return;
  }
}

std::string WriteJson(const JsonValue& value) {
  std::string out;
  AppendJson(value, out);
  return out;
}

std::string WriteJsonPretty(const JsonValue& value, int indent) {
  std::string out;
  AppendPretty(value, indent, 0, out);
  return out;
}

}  // namespace eddy
