#include "engine/common/decimal_ops.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "engine/common/java_format.h"

namespace eddy {
namespace {

using u128 = unsigned __int128;

constexpr u128 Pow10(int k) {
  u128 v = 1;
  for (int i = 0; i < k; ++i) v *= 10;
  return v;
}

struct Pow10Table {
  u128 v[kMaxDecimalPrecision + 1];
  constexpr Pow10Table() : v() {
    for (int i = 0; i <= kMaxDecimalPrecision; ++i) v[i] = Pow10(i);
  }
};
constexpr Pow10Table kPow10;
// The largest unscaled magnitude: 38 nines.
constexpr u128 kMaxMagnitude = Pow10(kMaxDecimalPrecision) - 1;

Status OverflowError() {
  return Status::Invalid("DECIMAL overflow: the value needs more than 38 digits");
}
Status RoundingNecessary() { return Status::Invalid("Rounding necessary"); }

u128 Magnitude(__int128 v) { return v < 0 ? -static_cast<u128>(v) : static_cast<u128>(v); }

__int128 Signed(u128 magnitude, bool negative) {
  const __int128 m = static_cast<__int128>(magnitude);
  return negative ? -m : m;
}

int DigitCount(u128 m) {
  int n = 1;
  while (n <= kMaxDecimalPrecision && m >= kPow10.v[n]) ++n;
  return n;  // 39 means "more than 38"
}

// A 256-bit unsigned integer: enough for a product of two 38-digit magnitudes and for a
// 38-digit dividend scaled up by 10^38, which is what decimal multiply and divide need.
struct U256 {
  u128 hi = 0;
  u128 lo = 0;
  bool IsZero() const { return hi == 0 && lo == 0; }
  bool Bit(int i) const { return i >= 128 ? (hi >> (i - 128)) & 1 : (lo >> i) & 1; }
};

U256 Mul128(u128 a, u128 b) {
  const u128 mask = ~uint64_t{0};
  const u128 a0 = a & mask, a1 = a >> 64, b0 = b & mask, b1 = b >> 64;
  const u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const u128 mid = (p00 >> 64) + (p01 & mask) + (p10 & mask);
  U256 r;
  r.lo = (p00 & mask) | (mid << 64);
  r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  return r;
}

// x * m; false on overflow past 256 bits.
bool MulSmall(U256& x, uint64_t m) {
  const U256 lo = Mul128(x.lo, m);
  const U256 hi = Mul128(x.hi, m);
  if (hi.hi != 0) return false;
  const u128 new_hi = hi.lo + lo.hi;
  if (new_hi < hi.lo) return false;
  x.lo = lo.lo;
  x.hi = new_hi;
  return true;
}

// x * 10^k; false on overflow past 256 bits.
bool MulPow10(U256& x, int k) {
  while (k > 0) {
    const int step = std::min(k, 19);
    if (!MulSmall(x, static_cast<uint64_t>(kPow10.v[step]))) return false;
    k -= step;
  }
  return true;
}

int Compare(const U256& a, const U256& b) {
  if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
  if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
  return 0;
}

// n / d and n % d for d > 0.
void DivMod(const U256& n, u128 d, U256& q, u128& r) {
  q = U256{};
  if (n.hi == 0) {
    q.lo = n.lo / d;
    r = n.lo % d;
    return;
  }
  r = 0;
  for (int i = 255; i >= 0; --i) {
    const bool top = (r >> 127) != 0;
    r = (r << 1) | (n.Bit(i) ? 1 : 0);
    if (top || r >= d) {
      r -= d;  // wraps to the true remainder when `top` was set
      if (i >= 128) {
        q.hi |= u128{1} << (i - 128);
      } else {
        q.lo |= u128{1} << i;
      }
    }
  }
}

// Whether a truncated quotient q (with remainder r of divisor d) rounds away from zero.
// `sticky` says that non-zero digits below r were already dropped (d is then a power of ten,
// so "exactly half plus something" is above half).
Result<bool> RoundsUp(u128 q_low_bits, u128 r, u128 d, bool negative, RoundingMode mode,
                      bool sticky = false) {
  if (r == 0 && !sticky) return false;
  switch (mode) {
    case RoundingMode::kUnnecessary: return RoundingNecessary();
    case RoundingMode::kDown: return false;
    case RoundingMode::kUp: return true;
    case RoundingMode::kFloor: return negative;
    case RoundingMode::kCeiling: return !negative;
    default: break;
  }
  const u128 rest = d - r;  // compares 2r with d without overflow
  if (r > rest) return true;
  if (r < rest) return false;
  if (sticky) return true;
  switch (mode) {
    case RoundingMode::kHalfUp: return true;
    case RoundingMode::kHalfDown: return false;
    default: return (q_low_bits & 1) != 0;  // kHalfEven
  }
}

// sign * n / d rounded with `mode`, as a 38-digit unscaled value.
Result<__int128> DivideRounded(const U256& n, u128 d, bool negative, RoundingMode mode,
                               bool sticky = false) {
  U256 q;
  u128 r = 0;
  DivMod(n, d, q, r);
  ASSIGN_OR_RETURN(bool up, RoundsUp(q.lo, r, d, negative, mode, sticky));
  if (q.hi != 0 || q.lo > kMaxMagnitude) return OverflowError();
  u128 m = q.lo + (up ? 1 : 0);
  if (m > kMaxMagnitude) return OverflowError();
  return Signed(m, negative && m != 0);
}

// sign * n / 10^drop rounded with `mode`, for any drop: powers above 10^38 do not fit 128 bits,
// so the excess is divided off first and only remembered as "something non-zero was dropped".
Result<__int128> ScaleDownRounded(U256 n, int64_t drop, bool negative, RoundingMode mode,
                                  bool sticky) {
  // Once everything is divided off, only the sticky bit matters: a huge drop (a parsed
  // "1e-2000000000") must not loop a billion times.
  while (drop > kMaxDecimalPrecision && !n.IsZero()) {
    const int step = static_cast<int>(std::min<int64_t>(drop - kMaxDecimalPrecision,
                                                        kMaxDecimalPrecision));
    U256 q;
    u128 r = 0;
    DivMod(n, kPow10.v[step], q, r);
    sticky = sticky || r != 0;
    n = q;
    drop -= step;
  }
  return DivideRounded(n, kPow10.v[std::min<int64_t>(drop, kMaxDecimalPrecision)], negative, mode,
                       sticky);
}

// Under kUnnecessary a MathContext(precision) operation fails when the exact result has more
// significant digits than `precision` (trailing zeros can be dropped without rounding).
Status CheckSignificantDigits(__int128 unscaled, int precision) {
  u128 m = Magnitude(unscaled);
  if (m == 0) return Status::Ok();
  while (m % 10 == 0) m /= 10;
  if (DigitCount(m) > precision) return RoundingNecessary();
  return Status::Ok();
}

// A number as text: sign, significant digits (no leading zeros; "" for zero) and the power of
// ten of the last digit: value = digits * 10^exp10.
struct DecimalText {
  bool negative = false;
  std::string digits;
  int64_t exp10 = 0;
};

constexpr int64_t kMaxExponent = std::numeric_limits<int32_t>::max();

// Java's BigDecimal(String) grammar.
bool ParseDecimalText(std::string_view s, DecimalText& out) {
  size_t i = 0;
  out = DecimalText{};
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    out.negative = s[i] == '-';
    ++i;
  }
  size_t mantissa_digits = 0;
  int64_t frac_digits = 0;
  bool seen_point = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      ++mantissa_digits;
      if (seen_point) ++frac_digits;
      if (!(out.digits.empty() && c == '0')) out.digits.push_back(c);
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (mantissa_digits == 0) return false;
  int64_t exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      exp_negative = s[i] == '-';
      ++i;
    }
    const size_t start = i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      exp = exp * 10 + (s[i] - '0');
      if (exp > kMaxExponent) return false;
    }
    if (i == start) return false;
    if (exp_negative) exp = -exp;
  }
  if (i != s.size()) return false;
  out.exp10 = exp - frac_digits;
  if (out.exp10 < -kMaxExponent || out.exp10 > kMaxExponent) return false;
  return true;
}

// The value of `t` at `scale`, rounding with `mode`.
Result<Decimal> TextToScale(const DecimalText& t, int scale, RoundingMode mode) {
  Decimal out;
  out.scale = scale;
  if (t.digits.empty()) return out;
  const int64_t shift = t.exp10 + scale;  // digits * 10^shift is the unscaled value
  std::string_view keep = t.digits;
  bool round_up = false;
  if (shift < 0) {
    const int64_t drop = -shift;
    const bool all_dropped = drop >= static_cast<int64_t>(t.digits.size());
    keep = all_dropped ? std::string_view() : keep.substr(0, t.digits.size() - drop);
    std::string_view dropped =
        all_dropped ? std::string_view(t.digits) : std::string_view(t.digits).substr(keep.size());
    // The first dropped digit, then whether anything non-zero follows it.
    const bool leading_zero_gap = all_dropped && drop > static_cast<int64_t>(t.digits.size());
    const char first = leading_zero_gap ? '0' : dropped[0];
    bool rest_nonzero = false;
    for (size_t k = leading_zero_gap ? 0 : 1; k < dropped.size(); ++k) {
      if (dropped[k] != '0') rest_nonzero = true;
    }
    const bool nonzero = first != '0' || rest_nonzero;
    if (nonzero) {
      const bool last_odd = !keep.empty() && ((keep.back() - '0') & 1);
      switch (mode) {
        case RoundingMode::kUnnecessary: return RoundingNecessary();
        case RoundingMode::kDown: break;
        case RoundingMode::kUp: round_up = true; break;
        case RoundingMode::kFloor: round_up = t.negative; break;
        case RoundingMode::kCeiling: round_up = !t.negative; break;
        case RoundingMode::kHalfUp: round_up = first >= '5'; break;
        case RoundingMode::kHalfDown: round_up = first > '5' || (first == '5' && rest_nonzero); break;
        case RoundingMode::kHalfEven:
          round_up = first > '5' || (first == '5' && (rest_nonzero || last_odd));
          break;
      }
    }
  }
  // Digits of the unscaled value: `keep` followed by `shift` zeros when shift > 0.
  size_t lead = 0;
  while (lead < keep.size() && keep[lead] == '0') ++lead;
  keep.remove_prefix(lead);
  const int64_t zeros = shift > 0 ? shift : 0;
  if (!keep.empty() && static_cast<int64_t>(keep.size()) + zeros > kMaxDecimalPrecision) {
    return OverflowError();
  }
  u128 m = 0;
  for (char c : keep) m = m * 10 + static_cast<u128>(c - '0');
  if (!keep.empty()) m *= kPow10.v[zeros];
  if (round_up) ++m;
  if (m > kMaxMagnitude) return OverflowError();
  out.unscaled = Signed(m, t.negative && m != 0);
  return out;
}

// The decimal digits of `m`, written at the end of `buf`.
std::string_view MagnitudeDigits(u128 m, char (&buf)[48]) {
  char* p = buf + sizeof(buf);
  do {
    *--p = static_cast<char>('0' + static_cast<int>(m % 10));
    m /= 10;
  } while (m != 0);
  return std::string_view(p, static_cast<size_t>(buf + sizeof(buf) - p));
}

// a and b brought to a common scale as 256-bit magnitudes. Scales that differ by more than
// about 38 can overflow 256 bits; `overflow` then names the side that did (-1 a, 1 b), which is
// the larger in magnitude.
struct Aligned {
  U256 a;
  U256 b;
  int scale = 0;
  int overflow = 0;
};
Aligned Align(const Decimal& a, const Decimal& b) {
  Aligned r;
  r.scale = std::max(a.scale, b.scale);
  r.a.lo = Magnitude(a.unscaled);
  r.b.lo = Magnitude(b.unscaled);
  const int64_t grow_a = static_cast<int64_t>(r.scale) - a.scale;
  const int64_t grow_b = static_cast<int64_t>(r.scale) - b.scale;
  if (!r.a.IsZero() && (grow_a > 80 || !MulPow10(r.a, static_cast<int>(grow_a)))) r.overflow = -1;
  if (!r.b.IsZero() && (grow_b > 80 || !MulPow10(r.b, static_cast<int>(grow_b)))) r.overflow = 1;
  return r;
}

U256 Add256(const U256& a, const U256& b) {
  U256 r;
  r.lo = a.lo + b.lo;
  r.hi = a.hi + b.hi + (r.lo < a.lo ? 1 : 0);
  return r;
}
U256 Sub256(const U256& a, const U256& b) {  // a >= b
  U256 r;
  r.lo = a.lo - b.lo;
  r.hi = a.hi - b.hi - (a.lo < b.lo ? 1 : 0);
  return r;
}

// Brings an exact signed 256-bit result at `from_scale` to `result`.
Result<Decimal> FinishExact(const U256& magnitude, bool negative, int64_t from_scale,
                            DecimalType result, RoundingMode mode) {
  Decimal out;
  out.scale = result.scale;
  if (result.scale >= from_scale) {
    U256 m = magnitude;
    const int64_t grow = result.scale - from_scale;
    if (!m.IsZero() && (grow > 2 * kMaxDecimalPrecision + 2 || !MulPow10(m, static_cast<int>(grow)) ||
                        m.hi != 0 || m.lo > kMaxMagnitude)) {
      return OverflowError();
    }
    out.unscaled = Signed(m.lo, negative && m.lo != 0);
  } else {
    ASSIGN_OR_RETURN(out.unscaled,
                     ScaleDownRounded(magnitude, from_scale - result.scale, negative, mode, false));
  }
  if (mode == RoundingMode::kUnnecessary) {
    RETURN_IF_ERROR(CheckSignificantDigits(out.unscaled, result.precision));
  }
  return out;
}

Result<Decimal> AddSigned(const Decimal& a, const Decimal& b, bool negate_b, DecimalType result) {
  const Aligned al = Align(a, b);
  if (al.overflow != 0) return OverflowError();
  const bool a_neg = a.unscaled < 0;
  const bool b_neg = (b.unscaled < 0) != negate_b && b.unscaled != 0;
  U256 m;
  bool neg = false;
  if (a_neg == b_neg) {
    m = Add256(al.a, al.b);
    neg = a_neg;
  } else if (Compare(al.a, al.b) >= 0) {
    m = Sub256(al.a, al.b);
    neg = a_neg;
  } else {
    m = Sub256(al.b, al.a);
    neg = b_neg;
  }
  return FinishExact(m, neg && !m.IsZero(), al.scale, result, RoundingMode::kHalfUp);
}

}  // namespace

// ---- Types -------------------------------------------------------------------------------

Status ValidateDecimalType(int precision, int scale) {
  if (precision < 1) {
    return Status::Invalid(
        fmt::format("DECIMAL precision must be >= 1: DECIMAL({},{})", precision, scale));
  }
  if (scale < 0) {
    return Status::Invalid(
        fmt::format("DECIMAL scale must be >= 0: DECIMAL({},{})", precision, scale));
  }
  if (precision < scale) {
    return Status::Invalid(
        fmt::format("DECIMAL precision must be >= scale: DECIMAL({},{})", precision, scale));
  }
  if (precision > kMaxDecimalPrecision) {
    return Status::Unsupported(fmt::format(
        "DECIMAL precision must be <= {}: DECIMAL({},{})", kMaxDecimalPrecision, precision, scale));
  }
  return Status::Ok();
}

DecimalType CapDecimalType(DecimalType t) {
  if (t.precision <= kMaxDecimalPrecision) return t;
  const int integer_digits = t.precision - t.scale;
  const int scale = std::max(std::min(t.scale, 6), kMaxDecimalPrecision - integer_digits);
  return DecimalType{kMaxDecimalPrecision, std::min(scale, t.scale)};
}

DecimalType DecimalAddType(int p1, int s1, int p2, int s2) {
  const int scale = std::max(s1, s2);
  return CapDecimalType({scale + std::max(p1 - s1, p2 - s2) + 1, scale});
}
DecimalType DecimalSubType(int p1, int s1, int p2, int s2) { return DecimalAddType(p1, s1, p2, s2); }
DecimalType DecimalMulType(int p1, int s1, int p2, int s2) {
  return CapDecimalType({p1 + p2 + 1, s1 + s2});
}
DecimalType DecimalDivType(int p1, int s1, int p2, int s2) {
  const int scale = std::max(6, s1 + p2 + 1);
  return CapDecimalType({p1 - s1 + s2 + scale, scale});
}
DecimalType DecimalModType(int p1, int s1, int p2, int s2) {
  const int scale = std::max(s1, s2);
  return CapDecimalType({std::min(p1 - s1, p2 - s2) + scale, scale});
}
DecimalType DecimalWidenType(int p1, int s1, int p2, int s2) {
  const int scale = std::max(s1, s2);
  return CapDecimalType({std::max(p1 - s1, p2 - s2) + scale, scale});
}

// ---- Values ------------------------------------------------------------------------------

Result<Decimal> ParseDecimal(std::string_view text) {
  DecimalText t;
  if (!ParseDecimalText(text, t)) {
    return Status::Invalid(fmt::format("Invalid DECIMAL value: '{}'", text));
  }
  // The natural scale, never negative; trailing fractional zeros beyond 38 digits are dropped
  // rather than failing, the value being the same.
  int64_t scale = std::max<int64_t>(0, -t.exp10);
  while (static_cast<int64_t>(t.digits.size()) > kMaxDecimalPrecision && scale > 0 &&
         t.digits.back() == '0') {
    t.digits.pop_back();
    ++t.exp10;
    --scale;
  }
  if (scale > std::numeric_limits<int32_t>::max()) return OverflowError();
  return TextToScale(t, static_cast<int>(scale), RoundingMode::kUnnecessary);
}

Result<Decimal> ParseDecimal(std::string_view text, int scale, RoundingMode mode) {
  DecimalText t;
  if (!ParseDecimalText(text, t)) {
    return Status::Invalid(fmt::format("Invalid DECIMAL value: '{}'", text));
  }
  return TextToScale(t, scale, mode);
}

Result<Decimal> Rescale(const Decimal& d, int scale, RoundingMode mode) {
  if (scale == d.scale) return d;
  U256 m;
  m.lo = Magnitude(d.unscaled);
  return FinishExact(m, d.unscaled < 0, d.scale, DecimalType{kMaxDecimalPrecision + 1, scale},
                     mode);
}

int DecimalPrecision(const Decimal& d) { return DigitCount(Magnitude(d.unscaled)); }

bool DecimalFitsIntegerDigits(const Decimal& d, int precision, int scale) {
  // |unscaled| * 10^-d.scale < 10^(precision - scale)  <=>  |unscaled| < 10^(precision - scale
  // + d.scale); a negative d.scale (never produced here) is treated as 0 digits of headroom.
  const int64_t exp = static_cast<int64_t>(precision) - scale + std::max(d.scale, 0);
  if (exp > kMaxDecimalPrecision) return true;
  if (exp < 0) return d.unscaled == 0;
  return Magnitude(d.unscaled) < kPow10.v[exp];
}

// The value for an error message: plain as Java's toPlainString, unless that would be absurdly
// long (a parsed "1e-2000000000"), then scientific.
std::string MessageText(const Decimal& d) {
  if (d.scale >= 0 && d.scale <= 2 * kMaxDecimalPrecision) return d.ToString();
  return DecimalToJavaString(d);
}

Result<Decimal> DecimalEnsureFit(const Decimal& d, int precision, int scale) {
  if (!DecimalFitsIntegerDigits(d, precision, scale)) {
    return Status::Invalid(fmt::format(
        "Numeric field overflow: A field with precision {} and scale {} must round to an absolute "
        "value less than 10^{}. Got {}",
        precision, scale, precision - scale, MessageText(d)));
  }
  auto fitted = Rescale(d, scale, RoundingMode::kUnnecessary);
  if (!fitted.ok()) {
    return Status::Invalid(fmt::format(
        "Cannot fit decimal '{}' into DECIMAL({}, {}) without rounding. (Requires {},{})",
        MessageText(d), precision, scale, DecimalPrecision(d), d.scale));
  }
  return fitted;
}

Result<Decimal> ParseDecimalEnsureFit(std::string_view text, int precision, int scale) {
  auto natural = ParseDecimal(text);
  if (natural.ok()) return DecimalEnsureFit(natural.value(), precision, scale);
  // Text longer than 38 digits can still fit when the excess is zeros; anything else that
  // fails here fails in ksqlDB too, if with another message.
  auto at_scale = ParseDecimal(text, scale, RoundingMode::kUnnecessary);
  if (!at_scale.ok()) {
    if (at_scale.status().message() == "Rounding necessary") {
      return Status::Invalid(fmt::format(
          "Cannot fit decimal '{}' into DECIMAL({}, {}) without rounding.", text, precision, scale));
    }
    return at_scale.status();
  }
  return DecimalEnsureFit(at_scale.value(), precision, scale);
}

Result<Decimal> DecimalCast(const Decimal& d, int precision, int scale) {
  if (!DecimalFitsIntegerDigits(d, precision, scale)) {
    return Status::Invalid(fmt::format(
        "Numeric field overflow: A field with precision {} and scale {} must round to an absolute "
        "value less than 10^{}. Got {}",
        precision, scale, precision - scale, MessageText(d)));
  }
  return Rescale(d, scale, RoundingMode::kHalfUp);
}

Result<Decimal> DecimalFromInt64(int64_t v, int precision, int scale) {
  // BigDecimal(long, MathContext(precision)) only rounds values that the magnitude check then
  // rejects anyway, so the check on the exact value is equivalent.
  return DecimalCast(DecimalFromInt(v), precision, scale);
}

Result<Decimal> DecimalFromDouble(double v, int precision, int scale) {
  if (!std::isfinite(v)) {
    return Status::Invalid(fmt::format("Cannot convert {} to DECIMAL", JavaDoubleToString(v)));
  }
  RETURN_IF_ERROR(ValidateDecimalType(precision, scale));
  DecimalText t;
  if (v != 0) {
    // The exact binary value: 767 significant digits cover every double.
    char buf[1024];
    const int n = std::snprintf(buf, sizeof(buf), "%.767e", std::fabs(v));
    std::string_view s(buf, static_cast<size_t>(n));
    const size_t e = s.find('e');
    int exp = 0;
    std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
    std::string digits;
    for (size_t i = 0; i < e; ++i)
      if (s[i] != '.') digits.push_back(s[i]);
    // new BigDecimal(v, new MathContext(precision)): HALF_UP to `precision` significant digits.
    t.negative = v < 0;
    t.digits = digits;
    t.exp10 = exp - static_cast<int64_t>(digits.size() - 1);
    const int64_t target_exp = exp - (precision - 1);
    if (t.exp10 < target_exp) {
      // Round on the text so no 38-digit limit applies to the intermediate.
      DecimalText r = t;
      const size_t keep = static_cast<size_t>(precision);
      const char first = t.digits[keep];
      r.digits = t.digits.substr(0, keep);
      r.exp10 = target_exp;
      if (first >= '5') {
        int k = static_cast<int>(r.digits.size()) - 1;
        while (k >= 0 && r.digits[k] == '9') r.digits[k--] = '0';
        if (k >= 0) {
          ++r.digits[k];
        } else {
          r.digits.insert(r.digits.begin(), '1');
        }
      }
      t = r;
    }
    while (!t.digits.empty() && t.digits.back() == '0') {
      t.digits.pop_back();
      ++t.exp10;
    }
  }
  // The magnitude check on the rounded value, then HALF_UP to `scale`.
  const int64_t int_digits = t.digits.empty() ? 0 : static_cast<int64_t>(t.digits.size()) + t.exp10;
  if (int_digits > precision - scale) {
    return Status::Invalid(fmt::format(
        "Numeric field overflow: A field with precision {} and scale {} must round to an absolute "
        "value less than 10^{}. Got {}",
        precision, scale, precision - scale, JavaDoubleToString(v)));
  }
  return TextToScale(t, scale, RoundingMode::kHalfUp);
}

Result<Decimal> DecimalValueOf(double v) {
  if (!std::isfinite(v)) {
    return Status::Invalid(fmt::format("Cannot convert {} to DECIMAL", JavaDoubleToString(v)));
  }
  return ParseDecimal(JavaDoubleToString(v));
}

Decimal DecimalFromInt(int64_t v) { return Decimal{static_cast<__int128>(v), 0}; }

double DecimalToDouble(const Decimal& d) {
  // "<unscaled>e<-scale>": one correctly rounded conversion, whatever the scale.
  char buf[80];
  char* p = buf;
  if (d.unscaled < 0) *p++ = '-';
  char digits[48];
  const std::string_view m = MagnitudeDigits(Magnitude(d.unscaled), digits);
  p = std::copy(m.begin(), m.end(), p);
  *p++ = 'e';
  p = std::to_chars(p, buf + sizeof(buf), -static_cast<int64_t>(d.scale)).ptr;
  double v = 0;
  auto r = std::from_chars(buf, p, v);
  if (r.ec == std::errc::result_out_of_range) {
    // Far below the smallest double (or above the largest): zero or infinity, keeping the sign.
    const bool tiny = d.scale > 0;
    v = tiny ? 0.0 : std::numeric_limits<double>::infinity();
    if (d.unscaled < 0) v = -v;
  }
  return v;
}

int DecimalSign(const Decimal& d) { return d.unscaled < 0 ? -1 : (d.unscaled > 0 ? 1 : 0); }

int DecimalCompare(const Decimal& a, const Decimal& b) {
  const int sa = DecimalSign(a), sb = DecimalSign(b);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  const Aligned al = Align(a, b);
  const int c = al.overflow != 0 ? al.overflow * -1 : Compare(al.a, al.b);
  return sa > 0 ? c : -c;
}

Result<Decimal> DecimalAdd(const Decimal& a, const Decimal& b, DecimalType result) {
  return AddSigned(a, b, false, result);
}

Result<Decimal> DecimalSub(const Decimal& a, const Decimal& b, DecimalType result) {
  return AddSigned(a, b, true, result);
}

Result<Decimal> DecimalMul(const Decimal& a, const Decimal& b, DecimalType result) {
  const U256 m = Mul128(Magnitude(a.unscaled), Magnitude(b.unscaled));
  const bool neg = (a.unscaled < 0) != (b.unscaled < 0) && !m.IsZero();
  return FinishExact(m, neg, static_cast<int64_t>(a.scale) + b.scale, result,
                     RoundingMode::kHalfUp);
}

Result<Decimal> DecimalDiv(const Decimal& a, const Decimal& b, DecimalType result,
                           RoundingMode mode) {
  if (b.unscaled == 0) {
    return Status::Invalid(a.unscaled == 0 ? "Division undefined" : "Division by zero");
  }
  // a / b at scale s: |ua| * 10^(s - sa + sb) / |ub|, rounded once.
  const int64_t k = static_cast<int64_t>(result.scale) - a.scale + b.scale;
  const bool neg = (a.unscaled < 0) != (b.unscaled < 0);
  U256 n;
  n.lo = Magnitude(a.unscaled);
  const u128 d = Magnitude(b.unscaled);
  Decimal out;
  out.scale = result.scale;
  if (k >= 0) {
    // A numerator past 256 bits means a quotient above 10^39: an overflow either way.
    if (!n.IsZero() && (k > 2 * kMaxDecimalPrecision + 2 || !MulPow10(n, static_cast<int>(k)))) {
      return OverflowError();
    }
    ASSIGN_OR_RETURN(out.unscaled, DivideRounded(n, d, neg, mode));
  } else {
    // The quotient at a finer scale, then -k digits dropped; the first remainder only tells
    // whether anything non-zero lies below.
    U256 q;
    u128 r = 0;
    DivMod(n, d, q, r);
    ASSIGN_OR_RETURN(out.unscaled, ScaleDownRounded(q, -k, neg, mode, r != 0));
  }
  if (mode == RoundingMode::kUnnecessary) {
    RETURN_IF_ERROR(CheckSignificantDigits(out.unscaled, result.precision));
  }
  return out;
}

Result<Decimal> DecimalMod(const Decimal& a, const Decimal& b, DecimalType result,
                           RoundingMode mode) {
  if (b.unscaled == 0) {
    return Status::Invalid(a.unscaled == 0 ? "Division undefined" : "Division by zero");
  }
  const Aligned al = Align(a, b);
  if (al.overflow != 0 || al.b.hi != 0) return OverflowError();
  U256 q;
  u128 r = 0;
  DivMod(al.a, al.b.lo, q, r);
  // remainder(divisor, MathContext(p)) goes through divideToIntegralValue, which Java refuses
  // when the integer quotient needs more than p digits.
  if (mode == RoundingMode::kUnnecessary && !q.IsZero()) {
    if (q.hi != 0 || DigitCount(q.lo) > result.precision) {
      return Status::Invalid("Division impossible");
    }
  }
  U256 rem;
  rem.lo = r;
  return FinishExact(rem, a.unscaled < 0 && r != 0, al.scale, result, mode);
}

Decimal DecimalNegate(const Decimal& d) { return Decimal{-d.unscaled, d.scale}; }

void AppendJavaBigDecimalString(bool negative, std::string_view digits, int64_t scale,
                                std::string& out) {
  if (digits.empty()) digits = "0";
  const int64_t n = static_cast<int64_t>(digits.size());
  const int64_t adjusted = -scale + (n - 1);
  if (negative) out.push_back('-');
  if (scale >= 0 && adjusted >= -6) {
    if (scale == 0) {
      out.append(digits);
    } else if (n > scale) {
      out.append(digits.substr(0, static_cast<size_t>(n - scale)));
      out.push_back('.');
      out.append(digits.substr(static_cast<size_t>(n - scale)));
    } else {
      out.append("0.");
      out.append(static_cast<size_t>(scale - n), '0');
      out.append(digits);
    }
    return;
  }
  out.push_back(digits[0]);
  if (n > 1) {
    out.push_back('.');
    out.append(digits.substr(1));
  }
  out.push_back('E');
  if (adjusted > 0) out.push_back('+');
  out.append(std::to_string(adjusted));
}

void AppendDecimalJavaString(const Decimal& d, std::string& out) {
  char buf[48];
  AppendJavaBigDecimalString(d.unscaled < 0, MagnitudeDigits(Magnitude(d.unscaled), buf), d.scale,
                             out);
}

std::string DecimalToJavaString(const Decimal& d) {
  std::string out;
  AppendDecimalJavaString(d, out);
  return out;
}

}  // namespace eddy
