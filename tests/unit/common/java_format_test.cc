// Expected strings are what Java 17+ prints (Double.toString / Float.toString), taken from the
// JDK documentation, ksqlDB's golden files (literals.json, key-schemas.json) and known outputs.
#include "engine/common/java_format.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using eddy::JavaDoubleToString;
using eddy::JavaFloatToString;

TEST_CASE("JavaDoubleToString: plain notation between 1e-3 and 1e7", "[java_format]") {
  CHECK(JavaDoubleToString(5.0) == "5.0");
  CHECK(JavaDoubleToString(100.0) == "100.0");
  CHECK(JavaDoubleToString(0.001) == "0.001");
  CHECK(JavaDoubleToString(0.5) == "0.5");
  CHECK(JavaDoubleToString(1234567.0) == "1234567.0");
  CHECK(JavaDoubleToString(9999999.0) == "9999999.0");
  CHECK(JavaDoubleToString(22026.465794806718) == "22026.465794806718");  // EXP(10) in QTT
  CHECK(JavaDoubleToString(0.1 + 0.2) == "0.30000000000000004");
  CHECK(JavaDoubleToString(-2.5) == "-2.5");
  CHECK(JavaDoubleToString(654.321) == "654.321");
}

TEST_CASE("JavaDoubleToString: computerized scientific notation outside", "[java_format]") {
  CHECK(JavaDoubleToString(1e7) == "1.0E7");
  CHECK(JavaDoubleToString(-1e7) == "-1.0E7");
  CHECK(JavaDoubleToString(1e10) == "1.0E10");
  CHECK(JavaDoubleToString(0.0001) == "1.0E-4");
  CHECK(JavaDoubleToString(1.234e-5) == "1.234E-5");
  CHECK(JavaDoubleToString(123456789012.0) == "1.23456789012E11");
  CHECK(JavaDoubleToString(9.999999999999998E-4) == "9.999999999999998E-4");
  CHECK(JavaDoubleToString(1e23) == "1.0E23");
}

TEST_CASE("JavaDoubleToString: extremes as ksqlDB's literals.json prints them", "[java_format]") {
  CHECK(JavaDoubleToString(std::numeric_limits<double>::denorm_min()) == "4.9E-324");
  CHECK(JavaDoubleToString(-std::numeric_limits<double>::denorm_min()) == "-4.9E-324");
  CHECK(JavaDoubleToString(std::numeric_limits<double>::min()) == "2.2250738585072014E-308");
  CHECK(JavaDoubleToString(std::numeric_limits<double>::max()) == "1.7976931348623157E308");
  CHECK(JavaDoubleToString(-std::numeric_limits<double>::max()) == "-1.7976931348623157E308");
}

TEST_CASE("JavaDoubleToString: special values", "[java_format]") {
  CHECK(JavaDoubleToString(0.0) == "0.0");
  CHECK(JavaDoubleToString(-0.0) == "-0.0");
  CHECK(JavaDoubleToString(std::nan("")) == "NaN");
  CHECK(JavaDoubleToString(std::numeric_limits<double>::infinity()) == "Infinity");
  CHECK(JavaDoubleToString(-std::numeric_limits<double>::infinity()) == "-Infinity");
}

TEST_CASE("JavaDoubleToString round-trips", "[java_format]") {
  for (double v : {0.1, 1.0 / 3.0, 2.0 / 3.0, 1e-300, 123.456, 6.02214076e23, 1e-3, 9999999.999}) {
    const std::string s = JavaDoubleToString(v);
    CHECK(std::stod(s) == v);
  }
}

TEST_CASE("JavaFloatToString", "[java_format]") {
  CHECK(JavaFloatToString(0.1f) == "0.1");
  CHECK(JavaFloatToString(1.0f) == "1.0");
  CHECK(JavaFloatToString(1e10f) == "1.0E10");
  CHECK(JavaFloatToString(std::numeric_limits<float>::denorm_min()) == "1.4E-45");
  CHECK(JavaFloatToString(std::numeric_limits<float>::max()) == "3.4028235E38");
}

TEST_CASE("JavaParseInt and JavaParseLong follow Integer.parseInt / Long.parseLong",
          "[java_format]") {
  CHECK(eddy::JavaParseInt("42") == 42);
  CHECK(eddy::JavaParseInt("+42") == 42);
  CHECK(eddy::JavaParseInt("-0") == 0);
  CHECK(eddy::JavaParseInt("-2147483648") == std::numeric_limits<int32_t>::min());
  CHECK(eddy::JavaParseInt("2147483647") == std::numeric_limits<int32_t>::max());
  CHECK_FALSE(eddy::JavaParseInt("2147483648"));
  CHECK_FALSE(eddy::JavaParseInt(""));
  CHECK_FALSE(eddy::JavaParseInt("-"));
  CHECK_FALSE(eddy::JavaParseInt(" 1"));
  CHECK_FALSE(eddy::JavaParseInt("1.0"));
  CHECK(eddy::JavaParseLong("998877665544332211") == 998877665544332211LL);
  CHECK(eddy::JavaParseLong("-9223372036854775808") == std::numeric_limits<int64_t>::min());
  CHECK_FALSE(eddy::JavaParseLong("9223372036854775808"));
}

TEST_CASE("JavaParseDouble follows Double.parseDouble", "[java_format]") {
  CHECK(eddy::JavaParseDouble("1.5") == 1.5);
  CHECK(eddy::JavaParseDouble("  1.5\t") == 1.5);  // trimmed
  CHECK(eddy::JavaParseDouble("+1e3") == 1000.0);
  CHECK(eddy::JavaParseDouble(".5") == 0.5);
  CHECK(eddy::JavaParseDouble("5.") == 5.0);
  CHECK(eddy::JavaParseDouble("1.5f") == 1.5);
  CHECK(eddy::JavaParseDouble("2D") == 2.0);
  CHECK(eddy::JavaParseDouble("0x1p3") == 8.0);
  CHECK(std::isnan(*eddy::JavaParseDouble("NaN")));
  CHECK(*eddy::JavaParseDouble("-Infinity") == -std::numeric_limits<double>::infinity());
  CHECK(*eddy::JavaParseDouble("1e400") == std::numeric_limits<double>::infinity());
  CHECK(*eddy::JavaParseDouble("1e-400") == 0.0);
  CHECK_FALSE(eddy::JavaParseDouble("inf"));
  CHECK_FALSE(eddy::JavaParseDouble("nan"));
  CHECK_FALSE(eddy::JavaParseDouble("1e"));
  CHECK_FALSE(eddy::JavaParseDouble("."));
  CHECK_FALSE(eddy::JavaParseDouble(""));
  CHECK_FALSE(eddy::JavaParseDouble("1,5"));
  CHECK_FALSE(eddy::JavaParseDouble("0x1"));  // Java wants the binary exponent
}

TEST_CASE("JavaParseBoolean follows Boolean.parseBoolean", "[java_format]") {
  CHECK(eddy::JavaParseBoolean("true"));
  CHECK(eddy::JavaParseBoolean("TrUe"));
  CHECK_FALSE(eddy::JavaParseBoolean("false"));
  CHECK_FALSE(eddy::JavaParseBoolean("yes"));
  CHECK_FALSE(eddy::JavaParseBoolean(" true"));
}
