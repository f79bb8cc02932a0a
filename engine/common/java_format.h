#pragma once
// Number <-> text conversions that behave exactly as the Java library calls ksqlDB makes, so
// that eddy's output text and its parsing of input text match ksqlDB's golden files.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy {

// Java's Double.toString as JDK 8 to 18 print it (the JDKs ksqlDB runs on and wrote its golden
// files with): FloatingDecimal's digits, which are not always the shortest that round back to
// `v` (2^62 is 4.6116860184273879E18, 1.0E23 is 9.999999999999999E22; see floating_decimal.h),
// with a two-digit minimum in E notation (4.9E-324). Layout: plain notation with
// at least one fractional digit for 1e-3 <= |v| < 1e7 ("5.0", "0.001", "1234567.0"), otherwise
// computerized scientific ("1.0E10", "1.234E-5", "-1.0E7"); "NaN", "Infinity", "-Infinity",
// "-0.0".
std::string JavaDoubleToString(double v);
void AppendJavaDouble(double v, std::string& out);

// Java's Float.toString, same rules for a float.
std::string JavaFloatToString(float v);
void AppendJavaFloat(float v, std::string& out);

// Java's parsers, as ksqlDB uses them to read text (DELIMITED fields, JSON strings coerced to
// numbers, CAST from STRING). nullopt where Java throws NumberFormatException.
//
// Integer.parseInt / Long.parseLong: optional '+' or '-', then ASCII digits only; no spaces.
std::optional<int32_t> JavaParseInt(std::string_view text);
std::optional<int64_t> JavaParseLong(std::string_view text);
// Double.parseDouble: leading/trailing characters <= ' ' are ignored; accepts "NaN",
// "[+-]Infinity", decimal and hexadecimal forms, and a trailing f/F/d/D suffix.
std::optional<double> JavaParseDouble(std::string_view text);
// Boolean.parseBoolean: true iff the text equals "true" ignoring case; never fails.
bool JavaParseBoolean(std::string_view text);

}  // namespace eddy
