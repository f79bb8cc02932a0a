#include "engine/common/java_format.h"

#include "engine/common/floating_decimal.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <system_error>
#include <type_traits>

namespace eddy {
namespace {

void AppendLayout(const JavaDecimalDigits& d, bool negative, std::string& out) {
  if (negative) out.push_back('-');
  // Java uses plain notation for 1e-3 <= |v| < 1e7, i.e. decimal exponents -3 .. 6.
  const int exp10 = d.point - 1;
  if (exp10 >= -3 && exp10 < 7) {
    if (d.point <= 0) {
      out.append("0.");
      out.append(static_cast<size_t>(-d.point), '0');
      out.append(d.digits, static_cast<size_t>(d.count));
      return;
    }
    if (d.count <= d.point) {
      out.append(d.digits, static_cast<size_t>(d.count));
      out.append(static_cast<size_t>(d.point - d.count), '0');
      out.append(".0");
      return;
    }
    out.append(d.digits, static_cast<size_t>(d.point));
    out.push_back('.');
    out.append(d.digits + d.point, static_cast<size_t>(d.count - d.point));
    return;
  }
  out.push_back(d.digits[0]);
  out.push_back('.');
  if (d.count > 1) {
    out.append(d.digits + 1, static_cast<size_t>(d.count - 1));
  } else {
    out.push_back('0');
  }
  out.push_back('E');
  char ebuf[16];
  auto r = std::to_chars(ebuf, ebuf + sizeof(ebuf), exp10);
  out.append(ebuf, r.ptr);
}

template <typename F>
void AppendJava(F v, std::string& out) {
  if (std::isnan(v)) {
    out.append("NaN");
    return;
  }
  const bool negative = std::signbit(v);
  if (std::isinf(v)) {
    out.append(negative ? "-Infinity" : "Infinity");
    return;
  }
  if (v == 0) {
    out.append(negative ? "-0.0" : "0.0");
    return;
  }
  if constexpr (std::is_same_v<F, float>) {
    AppendLayout(JavaFloatDigits(negative ? -v : v), negative, out);
  } else {
    AppendLayout(JavaDoubleDigits(negative ? -v : v), negative, out);
  }
}

template <typename I>
std::optional<I> ParseJavaInteger(std::string_view text) {
  if (text.empty()) return std::nullopt;
  size_t i = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    i = 1;
    if (text.size() == 1) return std::nullopt;
  }
  // Accumulate negatively so that the minimum value parses without overflow.
  I value = 0;
  constexpr I kMin = std::numeric_limits<I>::min();
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    const I digit = static_cast<I>(c - '0');
    if (value < kMin / 10) return std::nullopt;
    value = static_cast<I>(value * 10);
    if (value < kMin + digit) return std::nullopt;
    value = static_cast<I>(value - digit);
  }
  if (!negative) {
    if (value == kMin) return std::nullopt;
    return static_cast<I>(-value);
  }
  return value;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Converts an already validated decimal or hex (without "0x") body with std::from_chars, falling
// back to strtod when the value over- or underflows: Java then yields Infinity or a (signed)
// zero / subnormal, where from_chars only reports an error.
std::optional<double> ConvertDouble(std::string_view body, std::chars_format fmt, bool hex) {
  double v = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), v, fmt);
  if (r.ec == std::errc() && r.ptr == body.data() + body.size()) return v;
  if (r.ec != std::errc::result_out_of_range) return std::nullopt;
  std::string copy = hex ? "0x" + std::string(body) : std::string(body);
  return std::strtod(copy.c_str(), nullptr);
}

}  // namespace

std::string JavaDoubleToString(double v) {
  std::string out;
  AppendJava(v, out);
  return out;
}
void AppendJavaDouble(double v, std::string& out) { AppendJava(v, out); }

std::string JavaFloatToString(float v) {
  std::string out;
  AppendJava(v, out);
  return out;
}
void AppendJavaFloat(float v, std::string& out) { AppendJava(v, out); }

std::optional<int32_t> JavaParseInt(std::string_view text) { return ParseJavaInteger<int32_t>(text); }
std::optional<int64_t> JavaParseLong(std::string_view text) { return ParseJavaInteger<int64_t>(text); }

bool JavaParseBoolean(std::string_view text) {
  if (text.size() != 4) return false;
  const char* want = "true";
  for (size_t i = 0; i < 4; ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != want[i]) return false;
  }
  return true;
}

std::optional<double> JavaParseDouble(std::string_view text) {
  // String.trim(): strips characters <= ' ' at both ends.
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  const double sign = negative ? -1.0 : 1.0;
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return sign * std::numeric_limits<double>::infinity();
  if (!text.empty()) {
    const char last = text.back();
    if (last == 'f' || last == 'F' || last == 'd' || last == 'D') text.remove_suffix(1);
  }
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    // Hexadecimal: hexdigits [. hexdigits] p [+-] digits; the binary exponent is mandatory.
    std::string_view body = text.substr(2);
    size_t i = 0;
    size_t mantissa_digits = 0;
    while (i < body.size() && IsHexDigit(body[i])) ++i, ++mantissa_digits;
    if (i < body.size() && body[i] == '.') {
      ++i;
      while (i < body.size() && IsHexDigit(body[i])) ++i, ++mantissa_digits;
    }
    if (mantissa_digits == 0 || i >= body.size() || (body[i] != 'p' && body[i] != 'P')) {
      return std::nullopt;
    }
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    const size_t exp_start = i;
    while (i < body.size() && IsDigit(body[i])) ++i;
    if (i == exp_start || i != body.size()) return std::nullopt;
    auto v = ConvertDouble(body, std::chars_format::hex, true);
    if (!v) return std::nullopt;
    return sign * *v;
  }
  // Decimal: digits [. digits] | . digits, then an optional exponent.
  size_t i = 0;
  size_t mantissa_digits = 0;
  while (i < text.size() && IsDigit(text[i])) ++i, ++mantissa_digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const size_t exp_start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == exp_start) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  // Normalise ".5" to "0.5" so the result never depends on how the library treats a leading
  // point (the grammar above is Java's, the conversion is the library's).
  std::string_view body = text;
  std::string fixed;
  if (body[0] == '.') {
    fixed = "0" + std::string(body);
    body = fixed;
  }
  auto v = ConvertDouble(body, std::chars_format::general, false);
  if (!v) return std::nullopt;
  return sign * *v;
}

}  // namespace eddy
