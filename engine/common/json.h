#pragma once
// A small JSON document model with a parser and a writer, for the places where JSON is data
// about the engine rather than records flowing through it: golden test files (ksqlDB's QTT
// JSON), `--input` files, expected/actual diffs, configuration. Records use simdjson in
// engine/io instead; this is not the hot path.
//
// Numbers keep their source text, so 1.50 stays 1.50 and 10 stays distinct from 10.0, which
// golden comparisons of DECIMAL and DOUBLE output depend on. Objects keep their key order.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/common/status.h"

namespace eddy {

struct JsonMember;

class JsonValue {
 public:
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  JsonValue() = default;  // null
  static JsonValue Null();
  static JsonValue Bool(bool b);
  // A number from its JSON text, which must be a valid JSON number ("-1.5e3").
  static JsonValue Number(std::string text);
  static JsonValue Integer(int64_t v);
  static JsonValue String(std::string s);
  // (Overloads rather than default arguments: a default argument would need JsonMember
  // complete here, which clang requires.)
  static JsonValue Array();
  static JsonValue Array(std::vector<JsonValue> items);
  static JsonValue Object();
  static JsonValue Object(std::vector<JsonMember> members);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_number() const { return kind() == Kind::kNumber; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_object() const { return kind() == Kind::kObject; }

  bool as_bool() const { return std::get<bool>(v_); }
  // The number exactly as written.
  const std::string& number_text() const { return std::get<NumberRep>(v_).text; }
  // True for a number written without a fraction or exponent ("10", "-3"), false for "10.0".
  bool is_integral() const { return std::get<NumberRep>(v_).integral; }
  // The number as an int64 when it is integral and in range.
  std::optional<int64_t> AsInt64() const;
  // The number as the nearest double.
  double AsDouble() const;
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const std::vector<JsonValue>& items() const { return std::get<std::vector<JsonValue>>(v_); }
  std::vector<JsonValue>& items() { return std::get<std::vector<JsonValue>>(v_); }
  const std::vector<JsonMember>& members() const { return std::get<std::vector<JsonMember>>(v_); }
  std::vector<JsonMember>& members() { return std::get<std::vector<JsonMember>>(v_); }

  // The member named `key` (the last one if the key repeats, as most JSON readers do), or null.
  const JsonValue* Find(std::string_view key) const;
  JsonValue* Find(std::string_view key);
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // Replaces the member named `key`, or appends it.
  void Set(std::string key, JsonValue value);
  // Appends to an array.
  void Append(JsonValue value);

  // Structural equality: same kinds, same number text, same strings, arrays element-wise,
  // objects member-wise in order. See JsonEquivalent for an order-insensitive comparison.
  bool operator==(const JsonValue& other) const;

 private:
  struct NumberRep {
    std::string text;
    bool integral = true;
    bool operator==(const NumberRep&) const = default;
  };
  std::variant<std::monostate, bool, NumberRep, std::string, std::vector<JsonValue>,
               std::vector<JsonMember>>
      v_;
};

struct JsonMember {
  std::string key;
  JsonValue value;
  bool operator==(const JsonMember&) const = default;
};

// (Defined here, where JsonMember is complete: clang instantiates what they use at once.)
inline JsonValue JsonValue::Null() { return JsonValue(); }
inline void JsonValue::Append(JsonValue value) { items().push_back(std::move(value)); }
inline JsonValue JsonValue::Array() { return Array(std::vector<JsonValue>{}); }
inline JsonValue JsonValue::Object() { return Object(std::vector<JsonMember>{}); }

// Objects compare as sets of keys (each key's value equivalent), everything else as operator==
// does. This is how two JSON records are "the same" for golden tests.
bool JsonEquivalent(const JsonValue& a, const JsonValue& b);

struct JsonParseOptions {
  // Skip `// ...` and `/* ... */` comments between tokens (ksqlDB's attr.json has them).
  // Default: off, as in strict JSON.
  bool allow_comments = false;
  // Nesting deeper than this is an error rather than a stack overflow. Default 1000.
  int max_depth = 1000;
};

// Parses one JSON value (surrounded by optional whitespace). Errors say what is wrong and
// carry the line and column (from 1) in the Status position.
Result<JsonValue> ParseJson(std::string_view text, const JsonParseOptions& options = {});

// Compact JSON: no spaces, members in order, numbers as their text, strings escaped as JSON
// requires (quote, backslash, control characters); other characters are written as UTF-8.
std::string WriteJson(const JsonValue& value);
void AppendJson(const JsonValue& value, std::string& out);
// Indented JSON, for diffs people read.
std::string WriteJsonPretty(const JsonValue& value, int indent = 2);

// Appends `s` as a quoted, escaped JSON string.
void AppendJsonString(std::string_view s, std::string& out);

}  // namespace eddy
