// Expected strings are what Java 17 prints (Double.toString / Float.toString, the FloatingDecimal
// of JDK 8 to 18 that ksqlDB runs on), taken from the JDK documentation, ksqlDB's golden files
// (literals.json, key-schemas.json, average-udaf.json) and a Java 17 run
// (`System.out.println(Double.toString(x))`).
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
}

TEST_CASE("JavaDoubleToString: FloatingDecimal's digits where they are not the shortest",
          "[java_format]") {
  // average-udaf.json "average long": AVG of -1 and Long.MAX_VALUE is 2^62.
  CHECK(JavaDoubleToString(4611686018427387904.0) == "4.6116860184273879E18");
  CHECK(JavaDoubleToString(3.0744573456182584E18) == "3.0744573456182584E18");
  // Printed by Java 17.
  CHECK(JavaDoubleToString(1e23) == "9.999999999999999E22");
  CHECK(JavaDoubleToString(2e23) == "1.9999999999999998E23");
  CHECK(JavaDoubleToString(1152921504606846976.0) == "1.15292150460684698E18");  // 2^60
  CHECK(JavaDoubleToString(std::ldexp(1.0, 63)) == "9.223372036854776E18");
  CHECK(JavaDoubleToString(1e17 + 16) == "1.00000000000000016E17");
  CHECK(JavaDoubleToString(std::ldexp(1.0, -24)) == "5.9604644775390625E-8");
  CHECK(JavaDoubleToString(std::ldexp(1.0, -62)) == "2.1684043449710089E-19");
  CHECK(JavaDoubleToString(std::ldexp(1.0, -31)) == "4.6566128730773926E-10");
  CHECK(JavaDoubleToString(1.0118e-320) == "1.0118E-320");  // a subnormal
  CHECK(JavaDoubleToString(9007199254740993.0) == "9.007199254740992E15");
  CHECK(JavaDoubleToString(0.002) == "0.002");
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
