// Expected values are worked out by hand from Java's BigDecimal rules and ksqlDB's type rules,
// cross-checked with Python's decimal module; QTT cases from decimal.json are named.
#include "engine/common/decimal_ops.h"

#include <catch2/catch.hpp>

using namespace eddy;

namespace {

Decimal D(const char* text) {
  auto r = ParseDecimal(text);
  REQUIRE(r.ok());
  return r.value();
}

std::string S(const Result<Decimal>& r) {
  if (!r.ok()) return "error: " + r.status().message();
  return r.value().ToString();
}

__int128 Pow10(int k) {
  __int128 v = 1;
  while (k-- > 0) v *= 10;
  return v;
}

}  // namespace

TEST_CASE("ParseDecimal keeps the natural scale", "[decimal]") {
  CHECK(D("1.50") == Decimal{150, 2});
  CHECK(D("-0.005") == Decimal{-5, 3});
  CHECK(D("0.00100") == Decimal{100, 5});
  CHECK(D(".12") == Decimal{12, 2});
  CHECK(D("12.") == Decimal{12, 0});
  CHECK(D("+7") == Decimal{7, 0});
  CHECK(D("1E+3") == Decimal{1000, 0});  // BigDecimal scale -3, normalised to 0
  CHECK(D("1.5e-3") == Decimal{15, 4});
  CHECK(D("-0") == Decimal{0, 0});
  CHECK(D("99999999999999999999999999999999999999") == Decimal{Pow10(38) - 1, 0});
  // 41 significant-looking digits, but the excess is trailing fractional zeros.
  CHECK(D("0.1000000000000000000000000000000000000000") == Decimal{Pow10(37), 38});
}

TEST_CASE("ParseDecimal rejects what new BigDecimal(String) rejects", "[decimal]") {
  for (const char* bad : {"", "abc", "1e", ".", "1.2.3", " 1", "1 ", "--1", "1e+", "0x10"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseDecimal(bad).ok());
  }
  CHECK_FALSE(ParseDecimal("100000000000000000000000000000000000000").ok());  // 39 digits
}

TEST_CASE("ParseDecimal to a scale with each rounding mode", "[decimal]") {
  CHECK(S(ParseDecimal("2.345", 2, RoundingMode::kHalfUp)) == "2.35");
  CHECK(S(ParseDecimal("-2.345", 2, RoundingMode::kHalfUp)) == "-2.35");
  CHECK(S(ParseDecimal("2.345", 2, RoundingMode::kHalfDown)) == "2.34");
  CHECK(S(ParseDecimal("2.3451", 2, RoundingMode::kHalfDown)) == "2.35");
  CHECK(S(ParseDecimal("2.345", 2, RoundingMode::kHalfEven)) == "2.34");
  CHECK(S(ParseDecimal("2.355", 2, RoundingMode::kHalfEven)) == "2.36");
  CHECK(S(ParseDecimal("2.349", 2, RoundingMode::kDown)) == "2.34");
  CHECK(S(ParseDecimal("2.341", 2, RoundingMode::kUp)) == "2.35");
  CHECK(S(ParseDecimal("-2.341", 2, RoundingMode::kFloor)) == "-2.35");
  CHECK(S(ParseDecimal("-2.349", 2, RoundingMode::kCeiling)) == "-2.34");
  CHECK(S(ParseDecimal("0.004", 2, RoundingMode::kHalfUp)) == "0.00");
  CHECK(S(ParseDecimal("0.005", 2, RoundingMode::kHalfUp)) == "0.01");
  CHECK(S(ParseDecimal("0.0001", 2, RoundingMode::kUp)) == "0.01");
  CHECK(S(ParseDecimal("9.995", 2, RoundingMode::kHalfUp)) == "10.00");
  CHECK(S(ParseDecimal("2.340", 2, RoundingMode::kUnnecessary)) == "2.34");
  CHECK(S(ParseDecimal("2.345", 2, RoundingMode::kUnnecessary)) == "error: Rounding necessary");
  CHECK(S(ParseDecimal("12", 3, RoundingMode::kUnnecessary)) == "12.000");
}

TEST_CASE("Rescale", "[decimal]") {
  CHECK(S(Rescale(D("1.5"), 3, RoundingMode::kUnnecessary)) == "1.500");
  CHECK(S(Rescale(D("1.25"), 1, RoundingMode::kHalfUp)) == "1.3");
  CHECK(S(Rescale(D("1.25"), 1, RoundingMode::kHalfEven)) == "1.2");
  CHECK(S(Rescale(D("-1.25"), 1, RoundingMode::kHalfUp)) == "-1.3");
  CHECK(S(Rescale(D("1.25"), 0, RoundingMode::kDown)) == "1");
  // 10^37 at two more decimals needs 40 digits.
  CHECK_FALSE(Rescale(Decimal{Pow10(37), 0}, 2, RoundingMode::kUnnecessary).ok());
  // Dropping far more digits than 38 leaves a sign-aware unit or zero.
  CHECK(S(Rescale(Decimal{5, 60}, 2, RoundingMode::kHalfUp)) == "0.00");
  CHECK(S(Rescale(Decimal{5, 60}, 2, RoundingMode::kCeiling)) == "0.01");
  CHECK_FALSE(Rescale(Decimal{5, 60}, 2, RoundingMode::kUnnecessary).ok());
}

TEST_CASE("Result types follow ksqlDB's SqlDecimal", "[decimal]") {
  CHECK(DecimalAddType(4, 2, 4, 2) == DecimalType{5, 2});
  CHECK(DecimalSubType(4, 2, 5, 3) == DecimalType{6, 3});
  CHECK(DecimalMulType(4, 2, 4, 2) == DecimalType{9, 4});
  CHECK(DecimalDivType(4, 2, 4, 2) == DecimalType{11, 7});
  CHECK(DecimalModType(4, 2, 5, 3) == DecimalType{5, 3});
  CHECK(DecimalDivType(10, 0, 10, 0) == DecimalType{21, 11});  // INT / INT as decimals
  CHECK(DecimalWidenType(4, 2, 10, 0) == DecimalType{12, 2});
  // The truck tracker's (0.5 / 10 / 10): DECIMAL(1,1) / INT, then / INT again.
  CHECK(DecimalDivType(1, 1, 10, 0) == DecimalType{12, 12});
  CHECK(DecimalDivType(12, 12, 10, 0) == DecimalType{23, 23});
}

TEST_CASE("Result types over 38 digits are capped", "[decimal]") {
  // (77, 20): 57 integer digits; the scale keeps at most min(20, 6).
  CHECK(DecimalMulType(38, 10, 38, 10) == DecimalType{38, 6});
  // (69, 41): 28 integer digits leave room for 10 decimals.
  CHECK(DecimalDivType(38, 10, 30, 0) == DecimalType{38, 10});
  CHECK(CapDecimalType({38, 38}) == DecimalType{38, 38});
}

TEST_CASE("ValidateDecimalType", "[decimal]") {
  CHECK(ValidateDecimalType(4, 2).ok());
  CHECK(ValidateDecimalType(0, 0).message() == "DECIMAL precision must be >= 1: DECIMAL(0,0)");
  CHECK(ValidateDecimalType(2, -1).message() == "DECIMAL scale must be >= 0: DECIMAL(2,-1)");
  CHECK(ValidateDecimalType(2, 3).message() == "DECIMAL precision must be >= scale: DECIMAL(2,3)");
  CHECK_FALSE(ValidateDecimalType(39, 0).ok());
}

TEST_CASE("Addition, subtraction and multiplication (decimal.json)", "[decimal]") {
  const DecimalType sum = DecimalAddType(4, 2, 4, 2);
  CHECK(S(DecimalAdd(D("10.01"), D("5.1"), sum)) == "15.11");
  CHECK(S(DecimalAdd(D("10.01"), D("-5.0"), sum)) == "5.01");
  CHECK(S(DecimalAdd(D("10.01"), D("0.0"), sum)) == "10.01");
  CHECK(S(DecimalSub(D("10.1"), D("5.1"), sum)) == "5.00");
  CHECK(S(DecimalSub(D("10.1"), D("-5.0"), sum)) == "15.10");
  CHECK(S(DecimalSub(D("-1.5"), D("-1.5"), sum)) == "0.00");
  CHECK(DecimalSub(D("-1.5"), D("-1.5"), sum).value().unscaled == 0);
  const DecimalType prod = DecimalMulType(4, 2, 4, 2);
  CHECK(S(DecimalMul(D("10.1"), D("2.0"), prod)) == "20.2000");
  CHECK(S(DecimalMul(D("10.1"), D("-2.0"), prod)) == "-20.2000");
  CHECK(S(DecimalMul(D("10.1"), D("0.0"), prod)) == "0.0000");
  CHECK(DecimalNegate(D("10.12345")) == D("-10.12345"));
}

TEST_CASE("Arithmetic beyond 38 digits is an error, not a wrap", "[decimal]") {
  const Decimal max38{Pow10(38) - 1, 0};
  CHECK_FALSE(DecimalAdd(max38, D("1"), DecimalType{38, 0}).ok());
  CHECK_FALSE(DecimalSub(DecimalNegate(max38), D("1"), DecimalType{38, 0}).ok());
  const Decimal twenty_digits = D("12345678901234567890");
  CHECK_FALSE(DecimalMul(twenty_digits, twenty_digits, DecimalMulType(20, 0, 20, 0)).ok());
  // The capped product type rounds HALF_UP where ksqlDB's wider type would not have to.
  const DecimalType capped = DecimalMulType(38, 10, 38, 10);  // (38, 6)
  CHECK(S(DecimalMul(D("1.0000000001"), D("1.0000005"), capped)) == "1.000001");
}

TEST_CASE("Division as ksqlDB's generated code does it", "[decimal]") {
  const DecimalType q = DecimalDivType(4, 2, 4, 2);  // (11, 7)
  CHECK(S(DecimalDiv(D("10.1"), D("2.0"), q)) == "5.0500000");
  CHECK(S(DecimalDiv(D("10.1"), D("-2.0"), q)) == "-5.0500000");
  CHECK(S(DecimalDiv(D("10.1"), D("0.0"), q)) == "error: Division by zero");
  CHECK(S(DecimalDiv(D("0.0"), D("0.0"), q)) == "error: Division undefined");
  const DecimalType ints = DecimalDivType(10, 0, 10, 0);  // (21, 11)
  CHECK(S(DecimalDiv(D("1"), D("4"), ints)) == "0.25000000000");
  // MathContext(p, UNNECESSARY): a non-terminating quotient fails.
  CHECK(S(DecimalDiv(D("1"), D("3"), ints)) == "error: Rounding necessary");
  CHECK(S(DecimalDiv(D("1"), D("3"), ints, RoundingMode::kHalfUp)) == "0.33333333333");
  CHECK(S(DecimalDiv(D("2"), D("3"), ints, RoundingMode::kHalfUp)) == "0.66666666667");
  CHECK(S(DecimalDiv(D("-2"), D("3"), ints, RoundingMode::kHalfUp)) == "-0.66666666667");
  CHECK(S(DecimalDiv(D("2"), D("3"), ints, RoundingMode::kDown)) == "0.66666666666");
  // The truck tracker: 0.5 / 10 / 10 is the DECIMAL 0.005 at scale 23.
  auto step = DecimalDiv(D("0.5"), D("10"), DecimalDivType(1, 1, 10, 0));
  REQUIRE(step.ok());
  CHECK(S(step) == "0.050000000000");
  CHECK(S(DecimalDiv(step.value(), D("10"), DecimalDivType(12, 12, 10, 0))) ==
        "0.00500000000000000000000");
  // A 38-digit dividend scaled up by 10^11 still divides exactly (256-bit intermediate).
  const Decimal big{Pow10(37) * 4, 0};
  CHECK(S(DecimalDiv(big, D("4"), DecimalType{38, 0})) == "10000000000000000000000000000000000000");
}

TEST_CASE("Modulus follows BigDecimal.remainder", "[decimal]") {
  const DecimalType m = DecimalModType(4, 2, 4, 2);  // (4, 2)
  CHECK(S(DecimalMod(D("10.1"), D("2.0"), m)) == "0.10");
  CHECK(S(DecimalMod(D("10.1"), D("-2.0"), m)) == "0.10");
  CHECK(S(DecimalMod(D("-10.1"), D("2.0"), m)) == "-0.10");
  CHECK(S(DecimalMod(D("10.1"), D("0.0"), m)) == "error: Division by zero");
  CHECK(S(DecimalMod(D("7"), D("2.5"), DecimalModType(1, 0, 2, 1))) == "2.0");
  // remainder(b, MathContext(2)) cannot form the 11-digit integer quotient 10^10.
  CHECK(S(DecimalMod(D("1000000000"), D("0.1"), DecimalModType(10, 0, 2, 1))) ==
        "error: Division impossible");
}

TEST_CASE("DecimalCompare ignores scale", "[decimal]") {
  CHECK(DecimalCompare(D("1.50"), D("1.5")) == 0);
  CHECK(DecimalCompare(D("10.01"), D("10.012")) < 0);
  CHECK(DecimalCompare(D("-1"), D("0.5")) < 0);
  CHECK(DecimalCompare(D("-1"), D("-2")) > 0);
  CHECK(DecimalCompare(D("0"), D("0.000")) == 0);
  // Scales 0 and 70 cannot be aligned in 256 bits; the order is still right.
  CHECK(DecimalCompare(Decimal{Pow10(37), 0}, Decimal{1, 70}) > 0);
  CHECK(DecimalCompare(Decimal{-Pow10(37), 0}, Decimal{-1, 70}) < 0);
}

TEST_CASE("ksqlDB's ensureFit and cast", "[decimal]") {
  CHECK(S(DecimalEnsureFit(D("12.365"), 6, 4)) == "12.3650");
  CHECK(S(DecimalEnsureFit(D("12.3655"), 6, 3)) ==
        "error: Cannot fit decimal '12.3655' into DECIMAL(6, 3) without rounding. (Requires 6,4)");
  CHECK(S(DecimalEnsureFit(D("100"), 4, 2)) ==
        "error: Numeric field overflow: A field with precision 4 and scale 2 must round to an "
        "absolute value less than 10^2. Got 100");
  CHECK(S(DecimalEnsureFit(D("-99.99"), 4, 2)) == "-99.99");
  CHECK(S(ParseDecimalEnsureFit("12345678987654321.2345678987654321", 33, 16)) ==
        "12345678987654321.2345678987654321");
  CHECK(S(ParseDecimalEnsureFit(".12", 33, 16)) == "0.1200000000000000");
  CHECK(S(ParseDecimalEnsureFit("0", 33, 16)) == "0.0000000000000000");
  // cast checks the magnitude before rounding, so 9.999 becomes 10.00 in DECIMAL(3,2).
  CHECK(S(DecimalCast(D("9.999"), 3, 2)) == "10.00");
  CHECK(S(DecimalCast(D("0.99"), 2, 1)) == "1.0");  // cast.json "string to decimal"
  CHECK(S(DecimalCast(D("0.01"), 2, 1)) == "0.0");
  CHECK_FALSE(DecimalCast(D("10"), 2, 1).ok());
  CHECK(S(DecimalFromInt64(12, 4, 2)) == "12.00");
  CHECK_FALSE(DecimalFromInt64(123, 4, 2).ok());
}

TEST_CASE("DecimalFromDouble rounds the exact binary value twice, as DecimalUtil.cast does",
          "[decimal]") {
  // 0.15 is 0.1499999999999999944...; HALF_UP to 2 digits gives 0.15, then to scale 1, 0.2.
  CHECK(S(DecimalFromDouble(0.15, 2, 1)) == "0.2");
  CHECK(S(DecimalFromDouble(123.456, 5, 2)) == "123.46");
  CHECK(S(DecimalFromDouble(0.125, 2, 2)) == "0.13");
  CHECK(S(DecimalFromDouble(2.675, 3, 2)) == "2.67");  // 2.67499999999999982...
  CHECK(S(DecimalFromDouble(1.005, 3, 2)) == "1.00");
  CHECK(S(DecimalFromDouble(-1.5, 2, 0)) == "-2");
  CHECK(S(DecimalFromDouble(0.0, 4, 2)) == "0.00");
  CHECK_FALSE(DecimalFromDouble(1234.5, 5, 2).ok());
  CHECK_FALSE(DecimalFromDouble(std::numeric_limits<double>::quiet_NaN(), 5, 2).ok());
}

TEST_CASE("DecimalValueOf goes through Double.toString", "[decimal]") {
  CHECK(DecimalValueOf(0.1).value() == Decimal{1, 1});
  CHECK(DecimalValueOf(100.0).value() == Decimal{1000, 1});  // "100.0"
  CHECK(DecimalValueOf(1e10).value() == Decimal{10000000000LL, 0});  // "1.0E10"
  CHECK(DecimalValueOf(-2.5).value() == Decimal{-25, 1});
  CHECK(DecimalValueOf(1.0E-5).value() == Decimal{10, 6});  // "1.0E-5"
  CHECK_FALSE(DecimalValueOf(std::numeric_limits<double>::infinity()).ok());
}

TEST_CASE("Conversions and precision", "[decimal]") {
  CHECK(DecimalToDouble(D("0.1")) == 0.1);
  CHECK(DecimalToDouble(D("-12345.12")) == -12345.12);
  CHECK(DecimalToDouble(D("12345678987654321.2345678987654321")) == 12345678987654321.2345678987654321);
  CHECK(DecimalPrecision(D("0.05")) == 1);
  CHECK(DecimalPrecision(D("123.45")) == 5);
  CHECK(DecimalPrecision(D("0")) == 1);
  CHECK(DecimalFromInt(-7) == Decimal{-7, 0});
  CHECK(DecimalFitsIntegerDigits(D("99.99"), 4, 2));
  CHECK_FALSE(DecimalFitsIntegerDigits(D("100.00"), 4, 2));
}

TEST_CASE("Absurd exponents stay cheap", "[decimal]") {
  // Java accepts "1e-2000000000"; it must neither loop nor print two billion zeros here.
  const Decimal tiny = D("1e-2000000000");
  CHECK(tiny == Decimal{1, 2000000000});
  CHECK(S(Rescale(tiny, 2, RoundingMode::kHalfUp)) == "0.00");
  CHECK(S(Rescale(tiny, 2, RoundingMode::kCeiling)) == "0.01");
  CHECK(S(Rescale(DecimalNegate(tiny), 2, RoundingMode::kFloor)) == "-0.01");
  CHECK(S(ParseDecimalEnsureFit("1e-2000000000", 4, 2)) ==
        "error: Cannot fit decimal '1E-2000000000' into DECIMAL(4, 2) without rounding. "
        "(Requires 1,2000000000)");
  CHECK(DecimalToDouble(tiny) == 0.0);
  CHECK_FALSE(ParseDecimal("1e2000000000").ok());
  CHECK_FALSE(ParseDecimal("1e99999999999").ok());  // beyond Java's int exponent
  CHECK(S(DecimalDiv(tiny, D("3"), DecimalType{12, 6}, RoundingMode::kHalfUp)) == "0.000000");
  CHECK(DecimalCompare(tiny, Decimal{0, 0}) > 0);
}

TEST_CASE("DecimalToJavaString is BigDecimal.toString", "[decimal]") {
  CHECK(DecimalToJavaString(D("1.50")) == "1.50");
  CHECK(DecimalToJavaString(D("10.0000")) == "10.0000");
  CHECK(DecimalToJavaString(D("-1.5")) == "-1.5");
  CHECK(DecimalToJavaString(D("0.000001")) == "0.000001");  // adjusted exponent -6: plain
  CHECK(DecimalToJavaString(D("0.0000001")) == "1E-7");
  CHECK(DecimalToJavaString(Decimal{0, 7}) == "0E-7");
  CHECK(DecimalToJavaString(Decimal{123, 10}) == "1.23E-8");
  CHECK(DecimalToJavaString(Decimal{-123, 10}) == "-1.23E-8");
  std::string out;
  AppendJavaBigDecimalString(false, "15", -2, out);
  CHECK(out == "1.5E+3");
}
