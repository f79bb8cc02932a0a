#pragma once
// DECIMAL arithmetic with ksqlDB's (Java BigDecimal's) semantics on eddy::Decimal (a 128-bit
// unscaled value and a scale). Values are limited to 38 digits; anything that would need more is
// reported as a Status, never wrapped.
//
// What ksqlDB does, and therefore what these functions do by default (read from ksqlDB's
// SqlToJavaVisitor, DecimalUtil and SqlDecimal):
// - `a op b` on decimals is `a.op(b, new MathContext(p, UNNECESSARY)).setScale(s)` where (p, s)
//   is the result type: the exact result, an error if it cannot be represented without
//   rounding (1 / 3 fails, 1 / 4 is fine). The failing expression becomes NULL upstream.
// - Reading a decimal from data (JSON, DELIMITED) is DecimalUtil.ensureFit: the value must be
//   below 10^(p-s) and must not need rounding to reach scale s.
// - CAST(x AS DECIMAL(p, s)) is DecimalUtil.cast: the same magnitude check on the unrounded
//   value, then HALF_UP rounding to scale s.
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/common/status.h"
#include "engine/common/value.h"

namespace eddy {

inline constexpr int kMaxDecimalPrecision = 38;

// java.math.RoundingMode, the modes SQL functions need.
enum class RoundingMode : uint8_t {
  kUnnecessary,  // an error if any non-zero digit would be dropped
  kHalfUp,       // ties away from zero
  kHalfDown,     // ties toward zero
  kHalfEven,     // ties to the even neighbour
  kDown,         // toward zero (truncate)
  kUp,           // away from zero
  kFloor,        // toward negative infinity
  kCeiling,      // toward positive infinity
};

struct DecimalType {
  int precision = 0;
  int scale = 0;
  bool operator==(const DecimalType&) const = default;
};

// ---- Types -------------------------------------------------------------------------------

// ksqlDB's SqlDecimal.validateParameters plus eddy's 38-digit limit:
// "DECIMAL precision must be >= 1: DECIMAL(0,0)" etc.
Status ValidateDecimalType(int precision, int scale);

// The DECIMAL an INT / BIGINT widens to in arithmetic (ksqlDB's *_UPCAST_TO_DECIMAL).
inline constexpr DecimalType kIntAsDecimal{10, 0};
inline constexpr DecimalType kBigintAsDecimal{19, 0};

// Result types of `a op b` (ksqlDB's SqlDecimal.add/subtract/multiply/divide/modulus):
//   + -  precision max(s1,s2) + max(p1-s1, p2-s2) + 1, scale max(s1,s2)
//   *    precision p1 + p2 + 1, scale s1 + s2
//   /    precision p1 - s1 + s2 + max(6, s1 + p2 + 1), scale max(6, s1 + p2 + 1)
//   %    precision min(p1-s1, p2-s2) + max(s1,s2), scale max(s1,s2)
// ksqlDB has no upper bound; eddy caps the precision at 38 (see CapDecimalType).
DecimalType DecimalAddType(int p1, int s1, int p2, int s2);
DecimalType DecimalSubType(int p1, int s1, int p2, int s2);
DecimalType DecimalMulType(int p1, int s1, int p2, int s2);
DecimalType DecimalDivType(int p1, int s1, int p2, int s2);
DecimalType DecimalModType(int p1, int s1, int p2, int s2);
// The narrowest type holding both (ksqlDB's DecimalUtil.widen): used by GREATEST, CASE, etc.
DecimalType DecimalWidenType(int p1, int s1, int p2, int s2);
// Applied by the functions above. A precision over 38 becomes 38; the scale then gives way to
// the integer digits as SQL Server does: scale = max(min(scale, 6), 38 - integer digits).
// This is where eddy departs from ksqlDB (which has unbounded BigDecimal), only for types over
// 38 digits.
DecimalType CapDecimalType(DecimalType t);

// ---- Values ------------------------------------------------------------------------------

// Java's BigDecimal(String): [+-] digits [. digits] [(e|E) [+-] digits], or [+-] . digits ...
// The natural scale is the number of fractional digits minus the exponent; a negative natural
// scale ("1E+3") is normalised to 0, since SQL DECIMALs never have one. Fails on bad syntax or
// when the value needs more than 38 digits.
Result<Decimal> ParseDecimal(std::string_view text);
// Parses straight to `scale`, rounding with `mode` (digits beyond 38 that are zeros do not
// count, so "0.1000000000000000000000000000000000000000" parses at scale 2).
Result<Decimal> ParseDecimal(std::string_view text, int scale, RoundingMode mode);

// The value at another scale: exact when growing, rounded with `mode` when shrinking.
Result<Decimal> Rescale(const Decimal& d, int scale, RoundingMode mode);

// Java's BigDecimal.precision(): digits of the unscaled value (1 for zero).
int DecimalPrecision(const Decimal& d);
// True when |d| < 10^(precision - scale), the check DecimalUtil.ensureMax makes.
bool DecimalFitsIntegerDigits(const Decimal& d, int precision, int scale);

// DecimalUtil.ensureFit: the magnitude check, then exact rescale to `scale`. Errors carry
// ksqlDB's messages ("Numeric field overflow: ...", "Cannot fit decimal '...' into ...").
Result<Decimal> DecimalEnsureFit(const Decimal& d, int precision, int scale);
// DecimalUtil.ensureFit(new BigDecimal(text), p, s): how ksqlDB reads a DECIMAL from JSON or
// DELIMITED data.
Result<Decimal> ParseDecimalEnsureFit(std::string_view text, int precision, int scale);
// DecimalUtil.cast(BigDecimal, p, s): the magnitude check on the unrounded value, then HALF_UP.
// Like ksqlDB, a value that rounds up past the limit (9.999 -> DECIMAL(3,2)) is not rejected.
Result<Decimal> DecimalCast(const Decimal& d, int precision, int scale);
// DecimalUtil.cast(long, p, s).
Result<Decimal> DecimalFromInt64(int64_t v, int precision, int scale);
// DecimalUtil.cast(double, p, s): the exact binary value rounded HALF_UP to `precision`
// significant digits, the magnitude check, then HALF_UP to `scale` (a double rounding, as
// ksqlDB does). NaN and infinities are errors.
Result<Decimal> DecimalFromDouble(double v, int precision, int scale);
// BigDecimal.valueOf(double): the decimal spelled by Double.toString (5.0 -> 5.0 at scale 1,
// 0.1 -> 0.1, 1.0E10 -> 10000000000 at scale 0). NaN and infinities are errors.
Result<Decimal> DecimalValueOf(double v);
// An integer at scale 0.
Decimal DecimalFromInt(int64_t v);

// BigDecimal.doubleValue(): the nearest double.
double DecimalToDouble(const Decimal& d);
// BigDecimal.compareTo: by value, ignoring scale (1.50 == 1.5). Returns -1, 0 or 1.
int DecimalCompare(const Decimal& a, const Decimal& b);
// -1, 0 or 1.
int DecimalSign(const Decimal& d);

// Arithmetic as ksqlDB's generated code does it (see the file comment), producing a value at
// `result.scale` (pass the type from the Decimal*Type functions).
//
// + - *: the exact result. At ksqlDB's result scale it never needs rounding; it can only when
// CapDecimalType reduced the scale of a type over 38 digits, and then it rounds HALF_UP.
Result<Decimal> DecimalAdd(const Decimal& a, const Decimal& b, DecimalType result);
Result<Decimal> DecimalSub(const Decimal& a, const Decimal& b, DecimalType result);
Result<Decimal> DecimalMul(const Decimal& a, const Decimal& b, DecimalType result);
// /: the exact quotient at `result.scale`. Under kUnnecessary (ksqlDB's choice) a quotient
// that does not terminate within the scale (1 / 3), or that has more than `result.precision`
// significant digits, is the error "Rounding necessary"; other modes round once, at the scale.
// Division by zero is "Division by zero" (0 / 0 "Division undefined"), as Java says.
Result<Decimal> DecimalDiv(const Decimal& a, const Decimal& b, DecimalType result,
                           RoundingMode mode = RoundingMode::kUnnecessary);
// %: Java's BigDecimal.remainder, the sign following the dividend. Under kUnnecessary, like
// ksqlDB's remainder(b, MathContext(p)), an integer quotient of more than `result.precision`
// digits is the error "Division impossible".
Result<Decimal> DecimalMod(const Decimal& a, const Decimal& b, DecimalType result,
                           RoundingMode mode = RoundingMode::kUnnecessary);
// Unary minus; cannot overflow (38 digits fit either sign).
Decimal DecimalNegate(const Decimal& d);

// BigDecimal.toString(): plain unless the adjusted exponent is below -6, then scientific
// ("1E-7", "0E-7", "1.23E-8"). This is how ksqlDB's JSON format writes decimals.
std::string DecimalToJavaString(const Decimal& d);
void AppendDecimalJavaString(const Decimal& d, std::string& out);
// BigDecimal.toString() for a value given as unscaled digits (no sign, no leading zeros unless
// the value is "0") and a scale, for numbers too long for a Decimal (e.g. JSON number text
// turned into a STRING).
void AppendJavaBigDecimalString(bool negative, std::string_view unscaled_digits, int64_t scale,
                                std::string& out);

}  // namespace eddy
