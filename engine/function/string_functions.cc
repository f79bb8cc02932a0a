// ksqlDB's string UDFs (ksqldb-engine/.../function/udf/string): positions and lengths count
// UTF-16 code units and are 1-based, as Java's String does; BYTES overloads count bytes.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <type_traits>

#include "engine/function/builtin_util.h"
#include "engine/function/text_codec.h"

namespace eddy {
namespace {

using builtin::Overload;
using builtin::Overloaded;
using builtin::Param;
using builtin::Sig;

const TypePtr& Str() {
  static const TypePtr t = Type::String();
  return t;
}
const TypePtr& Int() {
  static const TypePtr t = Type::Int();
  return t;
}
const TypePtr& Byt() {
  static const TypePtr t = Type::Bytes();
  return t;
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
// Java's String.trim: strips characters <= ' '.
std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return s.substr(b, e - b);
}

ScalarFunction StringToString(std::string name, std::string desc, std::string (*f)(const std::string&)) {
  return ScalarFunction{name, name + "(s STRING)", std::move(desc), name + "('abc')",
                        builtin::Fixed(name, Str(), {Str()}, [f](const Value* v, size_t, EvalContext&) {
                          return Value::String(f(v[0].as_string()));
                        })};
}

// Substring.getStartIndex / getEndIndex on a value of `len` units.
int32_t StartIndex(int32_t len, int32_t pos) { return pos < 0 ? std::max(len + pos, 0) : std::max(std::min(pos - 1, len), 0); }
int32_t EndIndex(int32_t len, int32_t start, int32_t length) {
  return std::max(static_cast<int32_t>(std::min<int64_t>(static_cast<int64_t>(start) + length, len)), start);
}

// SUBSTRING on text: fast on ASCII, UTF-16 units otherwise.
Value SubstringText(const std::string& s, int32_t pos, const int32_t* length) {
  if (text::IsAscii(s)) {
    int32_t len = static_cast<int32_t>(s.size());
    int32_t start = StartIndex(len, pos);
    int32_t end = length ? EndIndex(len, start, *length) : len;
    return Value::String(s.substr(start, end - start));
  }
  std::u16string u = text::ToUtf16(s);
  int32_t len = static_cast<int32_t>(u.size());
  int32_t start = StartIndex(len, pos);
  int32_t end = length ? EndIndex(len, start, *length) : len;
  return Value::String(text::ToUtf8(std::u16string_view(u).substr(start, end - start)));
}

Value SubstringBytes(const std::string& s, int32_t pos, const int32_t* length) {
  int32_t len = static_cast<int32_t>(s.size());
  int32_t start = StartIndex(len, pos);
  int32_t end = length ? EndIndex(len, start, *length) : len;
  return Value::Blob(s.substr(start, end - start));
}

// StringUtils.ordinalIndexOf(str, sub, n): index of the n-th occurrence, -1 when absent.
int32_t OrdinalIndexOf(std::u16string_view str, std::u16string_view sub, int32_t n) {
  if (n <= 0) return -1;
  if (sub.empty()) return 0;
  size_t found = std::u16string_view::npos;
  size_t from = 0;
  for (int32_t k = 0; k < n; ++k) {
    found = str.find(sub, k == 0 ? 0 : from);
    if (found == std::u16string_view::npos) return -1;
    from = found + 1;
  }
  return static_cast<int32_t>(found);
}

// INSTR(str, sub [, position [, occurrence]]): 1-based index, 0 when absent; a negative position
// counts from the end and searches backwards.
Value Instr(const Value* v, size_t n, EvalContext& ctx) {
  for (size_t i = 2; i < n; ++i) {
    if (v[i].is_null()) {
      ctx.Fail("position and occurrence must not be null");
      return Value();
    }
  }
  if (v[0].is_null() || v[1].is_null()) return Value::Int(0);
  int32_t position = n > 2 ? v[2].as_int() : 1;
  int32_t occurrence = n > 3 ? v[3].as_int() : 1;
  std::u16string str = text::ToUtf16(v[0].as_string());
  std::u16string sub = text::ToUtf16(v[1].as_string());
  int32_t len = static_cast<int32_t>(str.size());
  if (std::abs(static_cast<int64_t>(position)) > len) return Value::Int(0);
  bool reversed = position < 0;
  if (reversed) {
    std::reverse(str.begin(), str.end());
    std::reverse(sub.begin(), sub.end());
    position = -position;
  }
  // StringUtils.substring(str, position - 1) clamps a negative start to 0.
  int32_t from = std::max(position - 1, 0);
  int32_t i = OrdinalIndexOf(std::u16string_view(str).substr(std::min(from, len)), sub, occurrence);
  if (i < 0) return Value::Int(0);
  return Value::Int(reversed ? len - position - i : i + position);
}

// LPAD / RPAD on text, in UTF-16 units.
template <bool kLeft>
Value PadText(const Value* v, size_t, EvalContext&) {
  if (v[0].is_null() || v[1].is_null() || v[2].is_null()) return Value();
  int32_t target = v[1].as_int();
  if (target < 0 || v[2].as_string().empty()) return Value();
  std::u16string in = text::ToUtf16(v[0].as_string());
  std::u16string pad = text::ToUtf16(v[2].as_string());
  size_t t = static_cast<size_t>(target);
  std::u16string out;
  if (in.size() >= t) {
    out = in.substr(0, t);
  } else {
    size_t need = t - in.size();
    std::u16string fill;
    while (fill.size() < need) fill += pad;
    fill.resize(need);
    out = kLeft ? fill + in : in + fill;
  }
  return Value::String(text::ToUtf8(out));
}

template <bool kLeft>
Value PadBytes(const Value* v, size_t, EvalContext&) {
  if (v[0].is_null() || v[1].is_null() || v[2].is_null()) return Value();
  int32_t target = v[1].as_int();
  const std::string& pad = v[2].as_bytes();
  if (target < 0 || pad.empty()) return Value();
  const std::string& in = v[0].as_bytes();
  size_t t = static_cast<size_t>(target);
  if (in.size() >= t) return Value::Blob(in.substr(0, t));
  size_t need = t - in.size();
  std::string fill;
  fill.reserve(need);
  for (size_t i = 0; i < need; ++i) fill += pad[i % pad.size()];
  return Value::Blob(kLeft ? fill + in : in + fill);
}

// ENCODE's hexStrip: drops a leading "0x" (padding an odd count with a zero) or an X'..' wrapper.
std::string HexStrip(const std::string& s) {
  if (s.size() >= 2 && s[0] == '0' && s[1] == 'x') return (s.size() % 2 != 0 ? "0" : "") + s.substr(2);
  if (s.size() >= 3 && (s[0] == 'x' || s[0] == 'X') && s[1] == '\'' && s.back() == '\'')
    return s.substr(2, s.size() - 3);
  return s;
}

enum class Encoding : uint8_t { kHex, kUtf8, kAscii, kBase64 };

std::optional<Encoding> ParseEncoding(const std::string& name) {
  std::string n = Lower(name);
  if (n == "hex") return Encoding::kHex;
  if (n == "utf8") return Encoding::kUtf8;
  if (n == "ascii") return Encoding::kAscii;
  if (n == "base64") return Encoding::kBase64;
  return std::nullopt;
}

Value Encode(const Value* v, size_t, EvalContext& ctx) {
  auto in = ParseEncoding(v[1].as_string());
  auto out = ParseEncoding(v[2].as_string());
  if (!in || !out || *in == *out) {
    ctx.Fail("Supported input and output encodings are: hex, utf8, ascii and base64");
    return Value();
  }
  const std::string& s = v[0].as_string();
  // The input text as bytes.
  std::string bytes;
  switch (*in) {
    case Encoding::kHex: {
      auto d = text::HexDecode(HexStrip(s));
      if (!d) {
        ctx.Fail("Illegal hexadecimal input: " + s);
        return Value();
      }
      bytes = std::move(*d);
      break;
    }
    case Encoding::kUtf8: bytes = s; break;
    case Encoding::kAscii: bytes = text::EncodeAscii(s); break;
    case Encoding::kBase64: bytes = text::Base64DecodeLenient(s); break;
  }
  switch (*out) {
    case Encoding::kHex: return Value::String(text::HexEncode(bytes));
    case Encoding::kUtf8: return Value::String(text::DecodeUtf8(bytes));
    case Encoding::kAscii: return Value::String(text::DecodeAscii(bytes));
    case Encoding::kBase64: return Value::String(text::Base64Encode(bytes));
  }
  return Value();
}

// TO_BYTES(s, encoding) and FROM_BYTES(b, encoding): ksqlDB's BytesUtils, hex / utf8 / ascii /
// base64, case-insensitive.
Value ToBytes(const Value* v, size_t, EvalContext& ctx) {
  auto enc = ParseEncoding(v[1].as_string());
  if (!enc) {
    ctx.Fail("Supported encoding types are: hex, utf8, ascii and base64");
    return Value();
  }
  const std::string& s = v[0].as_string();
  switch (*enc) {
    case Encoding::kHex: {
      auto d = text::HexDecode(s);
      if (!d) break;
      return Value::Blob(std::move(*d));
    }
    case Encoding::kUtf8: return Value::Blob(s);
    case Encoding::kAscii: return Value::Blob(text::EncodeAscii(s));
    case Encoding::kBase64: {
      auto d = text::Base64DecodeStrict(s);
      if (!d) break;
      return Value::Blob(std::move(*d));
    }
  }
  ctx.Fail("Unable to decode '" + s + "' as " + v[1].as_string());
  return Value();
}

Value FromBytes(const Value* v, size_t, EvalContext& ctx) {
  auto enc = ParseEncoding(v[1].as_string());
  if (!enc) {
    ctx.Fail("Supported encoding types are: hex, utf8, ascii and base64");
    return Value();
  }
  const std::string& b = v[0].as_bytes();
  switch (*enc) {
    case Encoding::kHex: return Value::String(Upper(text::HexEncode(b)));
    case Encoding::kUtf8: return Value::String(text::DecodeUtf8(b));
    case Encoding::kAscii: return Value::String(text::DecodeAscii(b));
    case Encoding::kBase64: return Value::String(text::Base64Encode(b));
  }
  return Value();
}

template <bool kBytes>
Value Concat(const Value* v, size_t n, EvalContext&) {
  std::string out;
  for (size_t i = 0; i < n; ++i)
    if (!v[i].is_null()) out += kBytes ? v[i].as_bytes() : v[i].as_string();
  return kBytes ? Value::Blob(std::move(out)) : Value::String(std::move(out));
}

template <bool kBytes>
Value ConcatWs(const Value* v, size_t n, EvalContext&) {
  if (v[0].is_null()) return Value();
  const std::string& sep = kBytes ? v[0].as_bytes() : v[0].as_string();
  std::string out;
  bool first = true;
  for (size_t i = 1; i < n; ++i) {
    if (v[i].is_null()) continue;
    if (!first) out += sep;
    first = false;
    out += kBytes ? v[i].as_bytes() : v[i].as_string();
  }
  return kBytes ? Value::Blob(std::move(out)) : Value::String(std::move(out));
}

// SPLIT: every piece between delimiters, empty pieces kept; an empty delimiter splits into
// single characters (UTF-16 units for text, bytes for BYTES); "" splits into [""].
template <bool kBytes>
Value Split(const Value* v, size_t, EvalContext&) {
  const std::string& s = kBytes ? v[0].as_bytes() : v[0].as_string();
  const std::string& d = kBytes ? v[1].as_bytes() : v[1].as_string();
  auto make = [](std::string x) { return kBytes ? Value::Blob(std::move(x)) : Value::String(std::move(x)); };
  ValueList out;
  if (s.empty()) {
    out.push_back(make(""));
  } else if (d.empty()) {
    if (kBytes || text::IsAscii(s)) {
      for (char c : s) out.push_back(make(std::string(1, c)));
    } else {
      std::u16string u = text::ToUtf16(s);
      for (char16_t c : u) out.push_back(make(text::ToUtf8(std::u16string(1, c))));
    }
  } else {
    size_t i = 0;
    for (size_t f; (f = s.find(d, i)) != std::string::npos; i = f + d.size()) out.push_back(make(s.substr(i, f - i)));
    out.push_back(make(s.substr(i)));
  }
  return Value::Array(std::move(out));
}

// ksqlDB's INITCAP: the lower-cased text cut into runs of non-space characters each with the
// white space after it (Java's [^\\s]+\\s*), the first character of each run upper-cased. Leading
// white space is dropped, as the pattern never matches it.
bool JavaSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r'; }
std::string InitCap(const std::string& in) {
  std::string s = Lower(in);
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size() && JavaSpace(static_cast<unsigned char>(s[i]))) ++i;
  bool word_start = true;
  for (; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (JavaSpace(c)) {
      word_start = true;
      out += static_cast<char>(c);
      continue;
    }
    out += word_start ? static_cast<char>(std::toupper(c)) : static_cast<char>(c);
    word_start = false;
  }
  return out;
}

// MD5 (RFC 1321) of the bytes, as lower-case hex.
std::string Md5Hex(const std::string& msg) {
  static const uint32_t k[64] = {
      0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
      0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
      0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
      0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
      0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
      0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
      0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
      0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
  static const int r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9,  14, 20, 5, 9,
                            14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                            4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  std::string m = msg;
  uint64_t bits = static_cast<uint64_t>(msg.size()) * 8;
  m += static_cast<char>(0x80);
  while (m.size() % 64 != 56) m += '\0';
  for (int i = 0; i < 8; ++i) m += static_cast<char>((bits >> (8 * i)) & 0xff);
  uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  for (size_t off = 0; off < m.size(); off += 64) {
    uint32_t w[16];
    for (int i = 0; i < 16; ++i) {
      const auto* p = reinterpret_cast<const unsigned char*>(m.data() + off + 4 * i);
      w[i] = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; ++i) {
      uint32_t f;
      int g;
      if (i < 16) f = (b & c) | (~b & d), g = i;
      else if (i < 32) f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
      else if (i < 48) f = b ^ c ^ d, g = (3 * i + 5) % 16;
      else f = c ^ (b | ~d), g = (7 * i) % 16;
      uint32_t t = d;
      d = c;
      c = b;
      uint32_t x = a + f + k[i] + w[g];
      b = b + ((x << r[i]) | (x >> (32 - r[i])));
      a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
  }
  std::string out;
  for (uint32_t v : h)
    for (int i = 0; i < 4; ++i) out += fmt::format("{:02x}", (v >> (8 * i)) & 0xff);
  return out;
}

// INT_FROM_BYTES / BIGINT_FROM_BYTES / DOUBLE_FROM_BYTES: exactly sizeof(T) bytes read in the
// given byte order (default BIG_ENDIAN), as Java's ByteBuffer does.
template <typename T>
Value NumberFromBytes(const Value* v, size_t n, EvalContext& ctx) {
  const std::string& b = v[0].as_bytes();
  bool little = false;
  if (n > 1) {
    std::string order = Upper(v[1].as_string());
    if (order == "LITTLE_ENDIAN") little = true;
    else if (order != "BIG_ENDIAN") {
      ctx.Fail("byte order must be BIG_ENDIAN or LITTLE_ENDIAN, not " + v[1].as_string());
      return Value();
    }
  }
  if (b.size() != sizeof(T)) {
    ctx.Fail(fmt::format("Number of bytes must be equal to {}, but found {}", sizeof(T), b.size()));
    return Value();
  }
  uint64_t bits = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    auto byte = static_cast<uint8_t>(b[little ? sizeof(T) - 1 - i : i]);
    bits = (bits << 8) | byte;
  }
  if constexpr (std::is_same_v<T, double>) {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return Value::Double(d);
  } else if constexpr (sizeof(T) == 4) {
    return Value::Int(static_cast<int32_t>(static_cast<uint32_t>(bits)));
  } else {
    return Value::Bigint(static_cast<int64_t>(bits));
  }
}

Overload Variadic(std::vector<TypePtr> params, TypePtr ret, ScalarImpl impl) {
  Overload o = Sig(std::move(params), ret, std::move(impl), false);
  o.variadic = true;
  return o;
}

ScalarFunction Fn(std::string name, std::string sig, std::string desc, std::string example,
                  std::function<Result<BoundScalar>(const std::vector<TypePtr>&)> bind) {
  return ScalarFunction{std::move(name), std::move(sig), std::move(desc), std::move(example), std::move(bind)};
}

}  // namespace

void RegisterStringFunctions(FunctionRegistry& r) {
  r.AddScalar(StringToString("UCASE", "Upper-cases the string.", Upper));
  r.AddScalar(StringToString("LCASE", "Lower-cases the string.", Lower));
  r.AddScalar(StringToString("INITCAP",
                             "Capitalizes the first letter of each word and lower-cases the rest; words are "
                             "delimited by white space (leading white space is dropped).",
                             InitCap));
  r.AddScalar(StringToString("MD5", "The MD5 digest of the UTF-8 text, as 32 lower-case hex digits.", Md5Hex));
  {
    auto from_bytes = [&r](std::string name, TypePtr ret, ScalarImpl impl, size_t width) {
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.AddScalar(Fn(name, name + "(b BYTES [, byte_order STRING])",
                     fmt::format("Reads a {} from exactly {} bytes in BIG_ENDIAN (default) or LITTLE_ENDIAN order.",
                                 ret->ToString(), width),
                     name + "(TO_BYTES('AAAH5Q==', 'base64'))",
                     Overloaded(lower, {Sig({Byt()}, ret, impl), Sig({Byt(), Str()}, ret, impl)})));
    };
    from_bytes("INT_FROM_BYTES", Int(), NumberFromBytes<int32_t>, 4);
    from_bytes("BIGINT_FROM_BYTES", Type::Bigint(), NumberFromBytes<int64_t>, 8);
    from_bytes("DOUBLE_FROM_BYTES", Type::Double(), NumberFromBytes<double>, 8);
  }
  r.AddScalar(StringToString("TRIM", "Removes leading and trailing white space (characters <= ' ').", Trim));

  r.AddScalar(Fn("LEN", "LEN(s STRING) | LEN(b BYTES)",
                 "The length of the string in UTF-16 code units, as Java counts, or of the bytes.", "LEN('abc') = 3",
                 Overloaded("len", {Sig({Str()}, Int(), [](const Value* v, size_t, EvalContext&) {
                                      return Value::Int(text::Utf16Length(v[0].as_string()));
                                    }),
                                    Sig({Byt()}, Int(), [](const Value* v, size_t, EvalContext&) {
                                      return Value::Int(static_cast<int32_t>(v[0].as_bytes().size()));
                                    })})));

  r.AddScalar(Fn("CONCAT", "CONCAT(s STRING, ...) | CONCAT(b BYTES, ...)",
                 "Joins the strings or bytes; NULL arguments are skipped.", "CONCAT('a', 'b') = 'ab'",
                 Overloaded("concat", {Variadic({Str()}, Str(), Concat<false>), Variadic({Byt()}, Byt(), Concat<true>)})));
  r.AddScalar(Fn("CONCAT_WS", "CONCAT_WS(sep STRING, s STRING, ...) | CONCAT_WS(sep BYTES, b BYTES, ...)",
                 "Joins the non-NULL arguments with the separator; a NULL separator gives NULL.",
                 "CONCAT_WS('-', 'a', NULL, 'b') = 'a-b'",
                 Overloaded("concat_ws", {Variadic({Str(), Str()}, Str(), ConcatWs<false>),
                                          Variadic({Byt(), Byt()}, Byt(), ConcatWs<true>)})));

  auto sub1 = [](const Value* v, size_t, EvalContext&) { return SubstringText(v[0].as_string(), v[1].as_int(), nullptr); };
  auto sub2 = [](const Value* v, size_t, EvalContext&) {
    int32_t len = v[2].as_int();
    return SubstringText(v[0].as_string(), v[1].as_int(), &len);
  };
  auto bsub1 = [](const Value* v, size_t, EvalContext&) { return SubstringBytes(v[0].as_bytes(), v[1].as_int(), nullptr); };
  auto bsub2 = [](const Value* v, size_t, EvalContext&) {
    int32_t len = v[2].as_int();
    return SubstringBytes(v[0].as_bytes(), v[1].as_int(), &len);
  };
  r.AddScalar(Fn("SUBSTRING", "SUBSTRING(s STRING|BYTES, pos INT [, len INT])",
                 "The part of s from the 1-based position pos (negative: from the end), len units long.",
                 "SUBSTRING('some_string', 6) = 'string', SUBSTRING('abc', -2, 1) = 'b'",
                 Overloaded("substring", {Sig({Str(), Int()}, Str(), sub1), Sig({Str(), Int(), Int()}, Str(), sub2),
                                          Sig({Byt(), Int()}, Byt(), bsub1), Sig({Byt(), Int(), Int()}, Byt(), bsub2)})));

  r.AddScalar(Fn("INSTR", "INSTR(s STRING, sub STRING [, position INT [, occurrence INT]])",
                 "The 1-based position of the occurrence-th sub in s searching from position (negative: "
                 "backwards from the end), or 0.",
                 "INSTR('corporate floor', 'or', 4, 2) = 14",
                 Overloaded("instr", {Sig({Str(), Str()}, Int(), Instr, false), Sig({Str(), Str(), Int()}, Int(), Instr, false),
                                      Sig({Str(), Str(), Int(), Int()}, Int(), Instr, false)})));

  r.AddScalar(Fn("LPAD", "LPAD(s STRING|BYTES, length INT, padding STRING|BYTES)",
                 "Pads s on the left with padding to length, or truncates it; NULL when padding is empty or "
                 "length negative.",
                 "LPAD('foo', 7, 'Bar') = 'BarBfoo'",
                 Overloaded("lpad", {Sig({Str(), Int(), Str()}, Str(), PadText<true>, false),
                                     Sig({Byt(), Int(), Byt()}, Byt(), PadBytes<true>, false)})));
  r.AddScalar(Fn("RPAD", "RPAD(s STRING|BYTES, length INT, padding STRING|BYTES)",
                 "Pads s on the right with padding to length, or truncates it; NULL when padding is empty or "
                 "length negative.",
                 "RPAD('foo', 7, 'Bar') = 'fooBarB'",
                 Overloaded("rpad", {Sig({Str(), Int(), Str()}, Str(), PadText<false>, false),
                                     Sig({Byt(), Int(), Byt()}, Byt(), PadBytes<false>, false)})));

  r.AddScalar(Fn("ENCODE", "ENCODE(s STRING, input_encoding STRING, output_encoding STRING)",
                 "Re-encodes s from one of hex, utf8, ascii, base64 to another; other encodings are an error.",
                 "ENCODE('4578616d706C6521', 'hex', 'utf8') = 'Example!'",
                 Overloaded("encode", {Sig({Str(), Str(), Str()}, Str(), Encode)})));
  r.AddScalar(Fn("TO_BYTES", "TO_BYTES(s STRING, encoding STRING)",
                 "The bytes of s read in the encoding hex, utf8, ascii or base64.", "TO_BYTES('hello', 'ascii')",
                 Overloaded("to_bytes", {Sig({Str(), Str()}, Byt(), ToBytes)})));
  r.AddScalar(Fn("FROM_BYTES", "FROM_BYTES(b BYTES, encoding STRING)",
                 "The bytes written as text in the encoding hex, utf8, ascii or base64.",
                 "FROM_BYTES(TO_BYTES('hi', 'utf8'), 'base64') = 'aGk='",
                 Overloaded("from_bytes", {Sig({Byt(), Str()}, Str(), FromBytes)})));

  r.AddScalar(Fn("ELT", "ELT(n INT, s STRING, ...)", "The n-th string argument (1-based), or NULL when out of range.",
                 "ELT(2, 'a', 'b') = 'b'",
                 Overloaded("elt", {Variadic({Int(), Str()}, Str(), [](const Value* v, size_t n, EvalContext&) {
                   if (v[0].is_null()) return Value();
                   int32_t k = v[0].as_int();
                   if (k < 1 || static_cast<size_t>(k) >= n) return Value();
                   return v[k];
                 })})));
  r.AddScalar(Fn("FIELD", "FIELD(s STRING, candidate STRING, ...)",
                 "The 1-based position of s among the candidates, or 0 (also when s is NULL).",
                 "FIELD('b', 'a', 'b') = 2",
                 Overloaded("field", {Variadic({Str(), Str()}, Int(), [](const Value* v, size_t n, EvalContext&) {
                   if (v[0].is_null()) return Value::Int(0);
                   for (size_t i = 1; i < n; ++i)
                     if (!v[i].is_null() && v[i].as_string() == v[0].as_string()) return Value::Int(static_cast<int32_t>(i));
                   return Value::Int(0);
                 })})));

  r.AddScalar(Fn("SPLIT", "SPLIT(s STRING|BYTES, delimiter STRING|BYTES)",
                 "Splits s around the delimiter, keeping empty pieces; an empty delimiter splits into characters.",
                 "SPLIT('a,,b', ',') = ['a', '', 'b']",
                 Overloaded("split", {Sig({Str(), Str()}, Type::Array(Str()), Split<false>),
                                      Sig({Byt(), Byt()}, Type::Array(Byt()), Split<true>)})));
  r.AddScalar(Fn("REPLACE", "REPLACE(s STRING, target STRING, replacement STRING)",
                 "Replaces every occurrence of target in s.", "REPLACE('abcb', 'b', 'x') = 'axcx'",
                 Overloaded("replace", {Sig({Str(), Str(), Str()}, Str(), [](const Value* v, size_t, EvalContext&) {
                   const std::string& s = v[0].as_string();
                   const std::string& from = v[1].as_string();
                   const std::string& to = v[2].as_string();
                   if (from.empty()) {
                     // Java's String.replace with an empty target inserts between every character.
                     std::u16string u = text::ToUtf16(s), t = text::ToUtf16(to), out = t;
                     for (char16_t c : u) out += c, out += t;
                     return Value::String(text::ToUtf8(out));
                   }
                   std::string out;
                   size_t i = 0;
                   for (size_t f; (f = s.find(from, i)) != std::string::npos; i = f + from.size())
                     out.append(s, i, f - i).append(to);
                   out.append(s, i, std::string::npos);
                   return Value::String(std::move(out));
                 })})));
}

}  // namespace eddy
