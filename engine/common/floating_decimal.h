#pragma once
// The decimal digits Java's Double.toString and Float.toString print, as JDK 8 to 18 compute
// them (sun.misc / jdk.internal.math.FloatingDecimal, the "dtoa" digit generator). ksqlDB's
// golden files were written by those JDKs, and their output is not always the shortest decimal
// that rounds back: 2^62 prints as 4.6116860184273879E18 where the shortest is
// 4.611686018427388E18, and 1.0E23 prints as 9.999999999999999E22. JDK 19 switched to the
// shortest form (Raffaello Giulietti's algorithm); eddy follows the older JDKs, as ksqlDB does.
namespace eddy {

// value = 0.d1 d2 ... dn * 10^point. The digits are as Java produces them, trailing zeros
// included (Java prints them too).
struct JavaDecimalDigits {
  char digits[32];
  int count = 0;
  int point = 0;
};

// Digits of a positive, finite, non-zero value.
JavaDecimalDigits JavaDoubleDigits(double v);
JavaDecimalDigits JavaFloatDigits(float v);

}  // namespace eddy
