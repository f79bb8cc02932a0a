#include "engine/common/floating_decimal.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

// The digit generator of the JDK's FloatingDecimal (JDK 8 to 18), rewritten for eddy. It is a
// Steele & White / dtoa style generator: the value is B/S * 10^decExp with B, S and M (half an
// ulp) exact integers; digits are the quotients of B/S until the remainder is within M of either
// end, then the last digit is rounded. Its quirks are what make it differ from the shortest
// decimal, and they are kept on purpose: the symmetric stopping test (also below powers of two,
// where the gap underneath is half as wide), a fast path that prints integers of up to 63 bits
// through a long, a second digit forced in E notation, and int / long arithmetic that wraps on
// overflow as Java's does.
namespace eddy {
namespace {

constexpr int kExpShift = 52;  // explicit significand bits of a double
constexpr uint64_t kFractHob = uint64_t{1} << kExpShift;
constexpr int kMaxSmallBinExp = 62;
constexpr int kMinSmallBinExp = -(63 / 3);

// Roughly ceil(log2(5^i)), as the JDK's table has it.
constexpr int kN5Bits[] = {0,  3,  5,  7,  10, 12, 14, 17, 19, 21, 24, 26, 28, 31,
                           33, 35, 38, 40, 42, 45, 47, 49, 52, 54, 56, 59, 61};
constexpr int kLong5PowCount = 27;  // 5^0 .. 5^26 fit a long

// Number of decimal digits of 2^p that are below the precision of the value: floor(log10(2^p)),
// for the integers printed through a long.
constexpr int kInsignificantDigitsNumber[] = {
    0,  0,  0,  0,  1,  1,  1,  2,  2,  2,  3,  3,  3,  3,  4,  4,  4,  5,  5,  5,  6,  6,
    6,  6,  7,  7,  7,  8,  8,  8,  9,  9,  9,  9,  10, 10, 10, 11, 11, 11, 12, 12, 12, 12,
    13, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19};

int InsignificantDigitsForPow2(int p2) {
  constexpr int n = sizeof(kInsignificantDigitsNumber) / sizeof(int);
  return p2 > 1 && p2 < n ? kInsignificantDigitsNumber[p2] : 0;
}

constexpr int64_t Pow5(int i) {
  int64_t v = 1;
  for (int k = 0; k < i; ++k) v *= 5;
  return v;
}

// Java int / long arithmetic (I = int32_t or int64_t): two's complement, wrapping; shifts use
// the low bits of the count.
template <typename I>
I Wrap(std::make_unsigned_t<I> u) {
  return static_cast<I>(u);
}
template <typename I>
I Mul(I a, I b) {
  using U = std::make_unsigned_t<I>;
  return Wrap<I>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
}
template <typename I>
I Add(I a, I b) {
  using U = std::make_unsigned_t<I>;
  return Wrap<I>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
}
template <typename I>
I Sub(I a, I b) {
  using U = std::make_unsigned_t<I>;
  return Wrap<I>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
}
template <typename I>
I Shl(I a, int n) {
  using U = std::make_unsigned_t<I>;
  return Wrap<I>(static_cast<U>(static_cast<U>(a) << (n & (sizeof(I) * 8 - 1))));
}

// E notation (Java's layout outside 1e-3 .. 1e7) wants a second digit, so the first digit may
// not end the loop there.
bool ForceSecondDigit(int dec_exp) { return dec_exp < -3 || dec_exp >= 8; }

// The digit loop where B, S and M fit Java's int (I = int32_t) or long (I = int64_t).
struct DigitLoop {
  int ndigit = 0;
  bool low = false, high = false;
  int64_t low_digit_difference = 0;
};

template <typename I>
DigitLoop RunDigitLoop(uint64_t fract_bits, int b5, int b2, int s5, int s2, int m5, int m2, int& dec_exp,
                       char* digits) {
  DigitLoop r;
  I b = Shl<I>(Mul<I>(static_cast<I>(fract_bits), static_cast<I>(Pow5(b5))), b2);
  const I s = Shl<I>(static_cast<I>(Pow5(s5)), s2);
  I m = Shl<I>(static_cast<I>(Pow5(m5)), m2);
  const I tens = Mul<I>(s, 10);
  int q = static_cast<int>(b / s);
  b = Mul<I>(10, b % s);
  m = Mul<I>(m, 10);
  r.low = b < m;
  r.high = Add<I>(b, m) > tens;
  if (q == 0 && !r.high) {
    --dec_exp;  // the estimate was one too high: drop the leading zero
  } else {
    digits[r.ndigit++] = static_cast<char>('0' + q);
  }
  if (ForceSecondDigit(dec_exp)) r.high = r.low = false;
  while (!r.low && !r.high) {
    q = static_cast<int>(b / s);
    b = Mul<I>(10, b % s);
    m = Mul<I>(m, 10);
    if (m > 0) {
      r.low = b < m;
      r.high = Add<I>(b, m) > tens;
    } else {
      r.low = r.high = true;  // m overflowed, as in the JDK
    }
    digits[r.ndigit++] = static_cast<char>('0' + q);
  }
  r.low_digit_difference = static_cast<int64_t>(Sub<I>(Shl<I>(b, 1), tens));
  return r;
}

// A non-negative integer of up to kWords 32-bit words, little-endian. The largest value the
// generator builds is about 10 * 2^1074 shifted by < 32 bits, times 10^17 for M: < 1300 bits.
class BigNum {
 public:
  static constexpr int kWords = 48;

  // value * 5^p5 * 2^p2
  static BigNum MulPow52(uint64_t value, int p5, int p2) {
    BigNum r;
    r.w_[0] = static_cast<uint32_t>(value);
    r.w_[1] = static_cast<uint32_t>(value >> 32);
    r.n_ = r.w_[1] != 0 ? 2 : (r.w_[0] != 0 ? 1 : 0);
    constexpr uint32_t k5Pow13 = 1220703125u;
    for (; p5 >= 13; p5 -= 13) r.MulSmall(k5Pow13);
    if (p5 > 0) r.MulSmall(static_cast<uint32_t>(Pow5(p5)));
    r.ShiftLeft(p2);
    return r;
  }

  // Java FDBigInteger.getNormalizationBias: the left shift that leaves the top word with
  // exactly 4 leading zero bits.
  int NormalizationBias() const {
    const int zeros = std::countl_zero(w_[n_ - 1]);
    return zeros < 4 ? 28 + zeros : zeros - 4;
  }

  void MulSmall(uint32_t m) {
    uint64_t carry = 0;
    for (int i = 0; i < n_; ++i) {
      const uint64_t p = static_cast<uint64_t>(w_[i]) * m + carry;
      w_[i] = static_cast<uint32_t>(p);
      carry = p >> 32;
    }
    if (carry != 0) w_[n_++] = static_cast<uint32_t>(carry);
    Trim();
  }

  void ShiftLeft(int bits) {
    if (n_ == 0 || bits == 0) return;
    const int words = bits / 32, rem = bits % 32;
    if (rem == 0) {
      for (int i = n_ - 1; i >= 0; --i) w_[i + words] = w_[i];
    } else {
      w_[n_ + words] = 0;
      for (int i = n_ - 1; i >= 0; --i) {
        w_[i + words + 1] |= w_[i] >> (32 - rem);
        w_[i + words] = w_[i] << rem;
      }
      ++n_;
    }
    for (int i = 0; i < words; ++i) w_[i] = 0;
    n_ += words;
    Trim();
  }

  // this -= o, where this >= o
  void Sub(const BigNum& o) {
    int64_t borrow = 0;
    for (int i = 0; i < n_; ++i) {
      const int64_t d = static_cast<int64_t>(w_[i]) - (i < o.n_ ? o.w_[i] : 0) - borrow;
      w_[i] = static_cast<uint32_t>(d);
      borrow = d < 0 ? 1 : 0;
    }
    Trim();
  }

  static int Cmp(const BigNum& a, const BigNum& b) {
    if (a.n_ != b.n_) return a.n_ < b.n_ ? -1 : 1;
    for (int i = a.n_ - 1; i >= 0; --i)
      if (a.w_[i] != b.w_[i]) return a.w_[i] < b.w_[i] ? -1 : 1;
    return 0;
  }

  // Compares a with b + c.
  static int CmpSum(const BigNum& a, const BigNum& b, const BigNum& c) {
    BigNum sum;
    const int n = std::max(b.n_, c.n_);
    uint64_t carry = 0;
    for (int i = 0; i < n; ++i) {
      const uint64_t s = static_cast<uint64_t>(i < b.n_ ? b.w_[i] : 0) + (i < c.n_ ? c.w_[i] : 0) + carry;
      sum.w_[i] = static_cast<uint32_t>(s);
      carry = s >> 32;
    }
    sum.n_ = n;
    if (carry != 0) sum.w_[sum.n_++] = static_cast<uint32_t>(carry);
    return Cmp(a, sum);
  }

  // FDBigInteger.quoRemIteration: returns this / s (a single digit here) and leaves
  // 10 * (this % s).
  int QuoRemTimes10(const BigNum& s) {
    int q = 0;
    while (Cmp(*this, s) >= 0) {
      Sub(s);
      ++q;
    }
    MulSmall(10);
    return q;
  }

  bool IsZero() const { return n_ == 0; }

 private:
  void Trim() {
    while (n_ > 0 && w_[n_ - 1] == 0) --n_;
  }
  uint32_t w_[kWords] = {};
  int n_ = 0;
};

// FloatingDecimal.estimateDecExp: floor(log10(value)) estimated from the bits, at most one
// too high.
int EstimateDecExp(uint64_t fract_bits, int bin_exp) {
  constexpr uint64_t kSignifMask = (uint64_t{1} << 52) - 1;
  constexpr uint64_t kExpOne = uint64_t{1023} << 52;
  const double d2 = std::bit_cast<double>(kExpOne | (fract_bits & kSignifMask));
  const double d = (d2 - 1.5) * 0.289529654 + 0.176091259 + static_cast<double>(bin_exp) * 0.301029995663981;
  const uint64_t bits = std::bit_cast<uint64_t>(d);
  const int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  const bool negative = (bits >> 63) != 0;
  if (exponent >= 0 && exponent < 52) {
    const uint64_t mask = kSignifMask >> exponent;
    const int r = static_cast<int>(((bits & kSignifMask) | kFractHob) >> (kExpShift - exponent));
    return negative ? ((mask & bits) == 0 ? -r : -r - 1) : r;
  }
  if (exponent < 0) return (bits & ~(uint64_t{1} << 63)) == 0 ? 0 : (negative ? -1 : 0);
  return static_cast<int>(d);
}

class Generator {
 public:
  JavaDecimalDigits Run(int bin_exp, uint64_t fract_bits, int n_significant_bits);

 private:
  void DevelopLongDigits(int dec_exponent, int64_t lvalue, int insignificant_digits);
  void RoundUp();

  char digits_[32];
  int first_ = 0;
  int count_ = 0;
  int dec_exponent_ = 0;
};

// An integer value held in a long, printed without its trailing zeros; the low
// `insignificant_digits` digits are rounded away first.
void Generator::DevelopLongDigits(int dec_exponent, int64_t lvalue, int insignificant_digits) {
  if (insignificant_digits != 0) {
    const int64_t pow10 = Pow5(insignificant_digits) << insignificant_digits;
    const int64_t residue = lvalue % pow10;
    lvalue /= pow10;
    dec_exponent += insignificant_digits;
    if (residue >= (pow10 >> 1)) ++lvalue;
  }
  int at = 19;  // Java fills a 20-character array from its end
  int64_t c = lvalue % 10;
  lvalue /= 10;
  while (c == 0) {
    ++dec_exponent;
    c = lvalue % 10;
    lvalue /= 10;
  }
  while (lvalue != 0) {
    digits_[at--] = static_cast<char>('0' + c);
    ++dec_exponent;
    c = lvalue % 10;
    lvalue /= 10;
  }
  digits_[at] = static_cast<char>('0' + c);
  dec_exponent_ = dec_exponent + 1;
  first_ = at;
  count_ = 20 - at;
}

// Adds one to the last digit, carrying; a carry out of the first digit makes it "1" with a
// larger exponent (the other digits, now zeros, stay).
void Generator::RoundUp() {
  int i = first_ + count_ - 1;
  char q = digits_[i];
  if (q == '9') {
    while (q == '9' && i > first_) {
      digits_[i] = '0';
      q = digits_[--i];
    }
    if (q == '9') {
      dec_exponent_ += 1;
      digits_[first_] = '1';
      return;
    }
  }
  digits_[i] = static_cast<char>(q + 1);
}

JavaDecimalDigits Generator::Run(int bin_exp, uint64_t fract_bits, int n_significant_bits) {
  const int tail_zeros = std::countr_zero(fract_bits);
  const int n_fract_bits = kExpShift + 1 - tail_zeros;
  const int n_tiny_bits = std::max(0, n_fract_bits - bin_exp - 1);

  bool done = false;
  if (bin_exp <= kMaxSmallBinExp && bin_exp >= kMinSmallBinExp && n_tiny_bits == 0 &&
      n_fract_bits + kN5Bits[0] < 64) {
    // An integer of at most 63 bits: print it as a long.
    const int insignificant =
        bin_exp > n_significant_bits ? InsignificantDigitsForPow2(bin_exp - n_significant_bits - 1) : 0;
    const uint64_t v = bin_exp >= kExpShift ? fract_bits << (bin_exp - kExpShift) : fract_bits >> (kExpShift - bin_exp);
    DevelopLongDigits(0, static_cast<int64_t>(v), insignificant);
    done = true;
  }

  if (!done) {
    int dec_exp = EstimateDecExp(fract_bits, bin_exp);
    const int b5 = std::max(0, -dec_exp);
    int b2 = b5 + n_tiny_bits + bin_exp;
    const int s5 = std::max(0, dec_exp);
    int s2 = s5 + n_tiny_bits;
    const int m5 = b5;
    int m2 = b2 - n_significant_bits;

    fract_bits >>= tail_zeros;
    b2 -= n_fract_bits - 1;
    const int common2 = std::min(b2, s2);
    b2 -= common2;
    s2 -= common2;
    m2 -= common2;
    // For an exact power of two the next smaller value is half as far away; the JDK narrows M
    // on both sides.
    if (n_fract_bits == 1) m2 -= 1;
    if (m2 < 0) {
      b2 -= m2;
      s2 -= m2;
      m2 = 0;
    }

    int ndigit = 0;
    bool low = false, high = false;
    int64_t low_digit_difference = 0;
    const int b_bits = n_fract_bits + b2 + (b5 < kLong5PowCount ? kN5Bits[b5] : b5 * 3);
    const int ten_s_bits = s2 + 1 + (s5 + 1 < kLong5PowCount ? kN5Bits[s5 + 1] : (s5 + 1) * 3);
    if (b_bits < 64 && ten_s_bits < 64) {
      const DigitLoop r =
          b_bits < 32 && ten_s_bits < 32
              ? RunDigitLoop<int32_t>(fract_bits, b5, b2, s5, s2, m5, m2, dec_exp, digits_)
              : RunDigitLoop<int64_t>(fract_bits, b5, b2, s5, s2, m5, m2, dec_exp, digits_);
      ndigit = r.ndigit;
      low = r.low;
      high = r.high;
      low_digit_difference = r.low_digit_difference;
    } else {
      BigNum s = BigNum::MulPow52(1, s5, s2);
      const int shift_bias = s.NormalizationBias();
      s.ShiftLeft(shift_bias);
      BigNum b = BigNum::MulPow52(fract_bits, b5, b2 + shift_bias);
      BigNum m = BigNum::MulPow52(1, m5 + 1, m2 + shift_bias + 1);
      const BigNum ten_s = BigNum::MulPow52(1, s5 + 1, s2 + shift_bias + 1);
      int q = b.QuoRemTimes10(s);
      low = BigNum::Cmp(b, m) < 0;
      high = BigNum::CmpSum(ten_s, b, m) <= 0;  // note: >=, where the long paths test >
      if (q == 0 && !high) {
        --dec_exp;
      } else {
        digits_[ndigit++] = static_cast<char>('0' + q);
      }
      if (ForceSecondDigit(dec_exp)) high = low = false;
      while (!low && !high) {
        q = b.QuoRemTimes10(s);
        m.MulSmall(10);
        low = BigNum::Cmp(b, m) < 0;
        high = BigNum::CmpSum(ten_s, b, m) <= 0;
        digits_[ndigit++] = static_cast<char>('0' + q);
      }
      if (high && low) {
        b.ShiftLeft(1);
        low_digit_difference = BigNum::Cmp(b, ten_s);
      }
    }
    dec_exponent_ = dec_exp + 1;
    first_ = 0;
    count_ = ndigit;
    if (high) {
      if (low) {
        if (low_digit_difference == 0) {
          if ((digits_[first_ + count_ - 1] & 1) != 0) RoundUp();  // a tie: to even
        } else if (low_digit_difference > 0) {
          RoundUp();
        }
      } else {
        RoundUp();
      }
    }
  }

  JavaDecimalDigits out;
  std::memcpy(out.digits, digits_ + first_, static_cast<size_t>(count_));
  out.count = count_;
  out.point = dec_exponent_;
  return out;
}

}  // namespace

namespace {

// Unpacks an IEEE double (U = uint64_t) or float (U = uint32_t) with `shift` explicit
// significand bits: normalizes a subnormal, adds the hidden bit, removes the bias, and lines
// the significand up with a double's as the JDK does for a float.
template <typename U, int kShift, int kBias>
JavaDecimalDigits DigitsOfBits(U bits) {
  constexpr int kWidth = static_cast<int>(sizeof(U) * 8);
  U fract_bits = bits & ((U{1} << kShift) - 1);
  int bin_exp = static_cast<int>((bits >> kShift) & static_cast<U>(2 * kBias + 1));
  int n_significant_bits;
  if (bin_exp == 0) {  // subnormal
    const int leading_zeros = std::countl_zero(fract_bits);
    const int shift = leading_zeros - (kWidth - 1 - kShift);
    fract_bits <<= shift;
    bin_exp = 1 - shift;
    n_significant_bits = kWidth - leading_zeros;
  } else {
    fract_bits |= U{1} << kShift;
    n_significant_bits = kShift + 1;
  }
  bin_exp -= kBias;
  return Generator().Run(bin_exp, static_cast<uint64_t>(fract_bits) << (kExpShift - kShift), n_significant_bits);
}

}  // namespace

JavaDecimalDigits JavaDoubleDigits(double v) { return DigitsOfBits<uint64_t, 52, 1023>(std::bit_cast<uint64_t>(v)); }

JavaDecimalDigits JavaFloatDigits(float v) { return DigitsOfBits<uint32_t, 23, 127>(std::bit_cast<uint32_t>(v)); }

}  // namespace eddy
