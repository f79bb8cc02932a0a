// ABS, ROUND, GREATEST, LEAST, CEIL, FLOOR, SIGN, SQRT, EXP, LN, POWER: ksqlDB's math UDFs.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>

#include "engine/common/decimal_ops.h"
#include "engine/common/floating_decimal.h"
#include "engine/function/builtin_util.h"
#include "engine/function/expr_builder.h"

namespace eddy {
namespace {

using builtin::NoOverload;

// Java's Math.round(double): the closest long, ties toward positive infinity.
int64_t JavaMathRound(double x) {
  if (std::isnan(x)) return 0;
  double f = std::floor(x);
  double r = (x - f) >= 0.5 ? f + 1 : f;
  if (r >= 9.223372036854775807e18) return std::numeric_limits<int64_t>::max();
  if (r <= -9.223372036854775808e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(r);
}

// ksqlDB's ROUND(DOUBLE, n): BigDecimal.valueOf(d) (Java's Double.toString digits)
// rounded to n places, half away from zero for positives and half toward zero for negatives,
// i.e. ties toward positive infinity.
double RoundDoubleTo(double d, int64_t places) {
  if (!std::isfinite(d)) return d;
  // BigDecimal.valueOf(d) is new BigDecimal(Double.toString(d)): Java's digits.
  const bool neg = std::signbit(d);
  if (d == 0) return d;
  const JavaDecimalDigits jd = neg ? JavaDoubleDigits(-d) : JavaDoubleDigits(d);
  std::string digits(jd.digits, static_cast<size_t>(jd.count));
  int point = jd.point;  // value = 0.digits * 10^point
  // Number of digits to keep: point + places.
  int64_t keep = point + places;
  if (keep < 0) return neg ? -0.0 : 0.0;
  if (keep >= static_cast<int64_t>(digits.size())) return neg ? -std::abs(d) : std::abs(d);
  bool round_up;
  int next = digits[static_cast<size_t>(keep)] - '0';
  bool rest_nonzero = false;
  for (size_t i = static_cast<size_t>(keep) + 1; i < digits.size(); ++i)
    if (digits[i] != '0') rest_nonzero = true;
  if (next > 5 || (next == 5 && rest_nonzero)) round_up = true;
  else if (next < 5) round_up = false;
  else round_up = !neg;  // an exact tie: away from zero for positives, toward zero for negatives
  std::string kept = digits.substr(0, static_cast<size_t>(keep));
  if (kept.empty()) kept = "0", point = 1, keep = 1;
  if (round_up) {
    int i = static_cast<int>(kept.size()) - 1;
    while (i >= 0 && kept[i] == '9') kept[i--] = '0';
    if (i < 0) {
      kept.insert(kept.begin(), '1');
      point++;
    } else {
      kept[i]++;
    }
  }
  std::string text = std::string(neg ? "-" : "") + "0." + kept + "e" + std::to_string(point);
  return std::strtod(text.c_str(), nullptr);
}

// ksqlDB's ROUND on decimals: HALF_UP for positives, HALF_DOWN for negatives.
Decimal RoundHalfTowardPositive(const Decimal& d, int places) {
  if (places >= d.scale) return d;
  Result<Decimal> r = Rescale(d, places, DecimalSign(d) < 0 ? RoundingMode::kHalfDown : RoundingMode::kHalfUp);
  return r.ok() ? r.value() : d;
}

Result<BoundScalar> BindAbs(const std::vector<TypePtr>& a) {
  if (a.size() == 1 && !a[0]) return builtin::Ambiguous("abs", a);
  if (a.size() != 1 || !a[0]->IsNumeric()) return NoOverload("abs", a);
  TypePtr t = a[0];
  return BoundScalar{t, {t}, [](const Value* v, size_t, EvalContext&) -> Value {
    const Value& x = v[0];
    // Java's Math.abs: ABS(INT_MIN) stays INT_MIN.
    if (x.is_int()) return Value::Int(x.as_int() < 0 ? static_cast<int32_t>(0u - static_cast<uint32_t>(x.as_int())) : x.as_int());
    if (x.is_bigint()) return Value::Bigint(x.as_bigint() < 0 ? static_cast<int64_t>(0ull - static_cast<uint64_t>(x.as_bigint())) : x.as_bigint());
    if (x.is_double()) return Value::Double(std::fabs(x.as_double()));
    Decimal d = x.as_decimal();
    if (d.unscaled < 0) d.unscaled = -d.unscaled;
    return Value::Dec(d);
  }};
}

Result<BoundScalar> BindRound(const std::vector<TypePtr>& a) {
  if (!a.empty() && !a[0]) return builtin::Ambiguous("round", a);
  if (a.empty() || a.size() > 2 || !a[0]->IsNumeric()) return NoOverload("round", a);
  if (a.size() == 2 && a[1] && a[1]->kind != TypeKind::kInt && a[1]->kind != TypeKind::kBigint)
    return NoOverload("round", a);
  const Type& t = *a[0];
  if (a.size() == 1) {
    switch (t.kind) {
      case TypeKind::kInt:
      case TypeKind::kBigint:
        return BoundScalar{Type::Bigint(), {Type::Bigint()}, [](const Value* v, size_t, EvalContext&) { return v[0]; }};
      case TypeKind::kDouble:
        return BoundScalar{Type::Bigint(), {Type::Double()}, [](const Value* v, size_t, EvalContext&) {
          return Value::Bigint(JavaMathRound(v[0].as_double()));
        }};
      default: {
        int p = std::max(1, t.precision - t.scale + (t.scale > 0 ? 1 : 0));
        p = std::min(p, 38);
        return BoundScalar{Type::Decimal(p, 0), {a[0]}, [](const Value* v, size_t, EvalContext& ctx) -> Value {
          return Value::Dec(RoundHalfTowardPositive(v[0].as_decimal(), 0));
        }};
      }
    }
  }
  switch (t.kind) {
    case TypeKind::kInt:
    case TypeKind::kBigint:
      return BoundScalar{Type::Bigint(), {Type::Bigint(), Type::Int()}, [](const Value* v, size_t, EvalContext&) {
        int64_t x = v[0].as_bigint();
        int32_t places = v[1].as_int();
        if (places >= 0) return Value::Bigint(x);
        // Round left of the point, ties toward positive infinity.
        double r = RoundDoubleTo(static_cast<double>(x), places);
        return Value::Bigint(static_cast<int64_t>(r));
      }};
    case TypeKind::kDouble:
      return BoundScalar{Type::Double(), {Type::Double(), Type::Int()}, [](const Value* v, size_t, EvalContext&) {
        return Value::Double(RoundDoubleTo(v[0].as_double(), v[1].as_int()));
      }};
    default:
      // ROUND(DECIMAL, n) keeps the source precision and scale (ksqlDB #6235).
      return BoundScalar{a[0], {a[0], Type::Int()}, [](const Value* v, size_t, EvalContext&) -> Value {
        Decimal d = v[0].as_decimal();
        Decimal r = RoundHalfTowardPositive(d, v[1].as_int());
        Result<Decimal> back = Rescale(r, d.scale, RoundingMode::kHalfUp);
        return back.ok() ? Value::Dec(back.value()) : Value();
      }};
  }
}

// Double.compareTo: NaN is the largest, -0.0 < 0.0.
int JavaDoubleCompare(double x, double y) {
  if (x < y) return -1;
  if (x > y) return 1;
  bool xn = std::isnan(x), yn = std::isnan(y);
  if (xn || yn) return static_cast<int>(xn) - static_cast<int>(yn);
  return static_cast<int>(std::signbit(y)) - static_cast<int>(std::signbit(x));
}

// String.compareTo: UTF-16 code-unit order. It differs from UTF-8 byte order only where a
// supplementary character (a surrogate pair in UTF-16) meets a character at or above U+E000.
uint32_t DecodeAt(const std::string& s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}
uint32_t Utf16Key(uint32_t cp) { return cp >= 0x10000 ? 0xD800 + ((cp - 0x10000) >> 10) : cp; }

int JavaStringCompare(const std::string& a, const std::string& b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) return a.size() < b.size() ? -1 : a.size() > b.size();
  while (i > 0 && (static_cast<unsigned char>(a[i]) & 0xC0) == 0x80) --i;
  uint32_t x = DecodeAt(a, i), y = DecodeAt(b, i);
  uint32_t kx = Utf16Key(x), ky = Utf16Key(y);
  if (kx != ky) return kx < ky ? -1 : 1;
  return x < y ? -1 : x > y;
}

}  // namespace

int builtin::JavaCompare(const Value& a, const Value& b) {
  if (a.is_double()) return JavaDoubleCompare(a.as_double(), b.as_double());
  if (a.is_string()) return JavaStringCompare(a.as_string(), b.as_string());
  return CompareValues(a, b);
}

namespace {

// GREATEST / LEAST: NULLs are skipped; all NULL gives NULL.
template <bool kGreatest>
Value Extreme(const Value* v, size_t n, EvalContext&) {
  const Value* best = nullptr;
  for (size_t i = 0; i < n; ++i) {
    if (v[i].is_null()) continue;
    if (!best) {
      best = &v[i];
      continue;
    }
    int c = builtin::JavaCompare(v[i], *best);
    if (kGreatest ? c > 0 : c < 0) best = &v[i];
  }
  return best ? *best : Value();
}

std::function<Result<BoundScalar>(const std::vector<TypePtr>&)> BindExtreme(const std::string& name, bool greatest) {
  ScalarImpl impl = greatest ? ScalarImpl(Extreme<true>) : ScalarImpl(Extreme<false>);
  std::vector<builtin::Overload> overloads;
  for (TypePtr t : {Type::Int(), Type::Bigint(), Type::Double(), Type::String(), Type::Bytes(), Type::Date(),
                    Type::Time(), Type::Timestamp()}) {
    builtin::Overload o;
    o.params = {builtin::Param::Of(t), builtin::Param::Of(t)};
    o.variadic = true;
    o.make = [t, impl](const std::vector<TypePtr>&, const TypePtr&) -> Result<BoundScalar> {
      return BoundScalar{t, {}, impl, false};
    };
    overloads.push_back(std::move(o));
  }
  // DECIMAL: the result type widens over the arguments (ksqlDB's greatestDecimalProvider); the
  // values themselves are compared and returned with their own scale, as Java does.
  builtin::Overload dec;
  dec.params = {builtin::Param::AnyDecimal(), builtin::Param::AnyDecimal()};
  dec.variadic = true;
  dec.make = [impl](const std::vector<TypePtr>& args, const TypePtr&) -> Result<BoundScalar> {
    TypePtr w;
    for (const auto& a : args) {
      if (!a) continue;
      TypePtr d = a->kind == TypeKind::kDecimal ? a : WidenNumeric(Type::Decimal(1, 0), a);
      w = w ? WidenNumeric(w, d) : d;
    }
    if (!w) w = Type::Decimal(1, 0);
    return BoundScalar{w, {}, impl, false};
  };
  overloads.push_back(std::move(dec));
  return builtin::Overloaded(name, std::move(overloads));
}

ScalarFunction UnaryDouble(std::string name, std::string desc, double (*f)(double)) {
  return ScalarFunction{name, name + "(x DOUBLE)", std::move(desc), name + "(4.0)",
                        builtin::Fixed(name, Type::Double(), {Type::Double()},
                                       [f](const Value* v, size_t, EvalContext&) { return Value::Double(f(v[0].as_double())); })};
}

}  // namespace

void RegisterMathFunctions(FunctionRegistry& r) {
  r.AddScalar({"ABS", "ABS(x INT|BIGINT|DOUBLE|DECIMAL)", "The absolute value, of the same type as x.", "ABS(-3) = 3",
               BindAbs});
  r.AddScalar({"ROUND", "ROUND(x [, places INT])",
               "Rounds half toward positive infinity. ROUND(DOUBLE) is BIGINT; ROUND(DOUBLE, n) is DOUBLE; "
               "ROUND(DECIMAL, n) keeps the decimal's scale.",
               "ROUND(1.5) = 2, ROUND(-1.5) = -1", BindRound});
  r.AddScalar({"GREATEST", "GREATEST(v, ...)", "The largest argument; NULLs are ignored.", "GREATEST(1, 5, 3) = 5",
               BindExtreme("greatest", true)});
  r.AddScalar({"LEAST", "LEAST(v, ...)", "The smallest argument; NULLs are ignored.", "LEAST(1, 5, 3) = 1",
               BindExtreme("least", false)});
  for (bool ceil : {true, false}) {
    std::string name = ceil ? "CEIL" : "FLOOR";
    ScalarImpl dbl = ceil ? ScalarImpl([](const Value* v, size_t, EvalContext&) { return Value::Double(std::ceil(v[0].as_double())); })
                          : ScalarImpl([](const Value* v, size_t, EvalContext&) { return Value::Double(std::floor(v[0].as_double())); });
    ScalarImpl same = [](const Value* v, size_t, EvalContext&) { return v[0]; };
    r.AddScalar({name, name + "(x INT|BIGINT|DOUBLE)",
                 ceil ? "The smallest whole number not below x, of the same type as x."
                      : "The largest whole number not above x, of the same type as x.",
                 ceil ? "CEIL(1.2E0) = 2.0" : "FLOOR(1.8E0) = 1.0",
                 builtin::Overloaded(ceil ? "ceil" : "floor",
                                     {builtin::Sig({Type::Int()}, Type::Int(), same),
                                      builtin::Sig({Type::Bigint()}, Type::Bigint(), same),
                                      builtin::Sig({Type::Double()}, Type::Double(), dbl)})});
  }
  r.AddScalar(UnaryDouble("SQRT", "The square root.", [](double x) { return std::sqrt(x); }));
  r.AddScalar(UnaryDouble("EXP", "e raised to x.", [](double x) { return std::exp(x); }));
  r.AddScalar(UnaryDouble("LN", "The natural logarithm.", [](double x) { return std::log(x); }));
  r.AddScalar({"RANDOM", "RANDOM()", "A pseudo-random DOUBLE in [0.0, 1.0), new on every call.", "RANDOM() = 0.41...",
               builtin::Fixed("RANDOM", Type::Double(), {}, [](const Value*, size_t, EvalContext&) {
                 thread_local std::mt19937_64 gen{std::random_device{}()};
                 return Value::Double(std::uniform_real_distribution<double>(0.0, 1.0)(gen));
               })});
  r.AddScalar({"POWER", "POWER(base DOUBLE, exponent DOUBLE)", "base raised to exponent.", "POWER(2, 3) = 8.0",
               builtin::Fixed("POWER", Type::Double(), {Type::Double(), Type::Double()},
                              [](const Value* v, size_t, EvalContext&) {
                                return Value::Double(std::pow(v[0].as_double(), v[1].as_double()));
                              })});
}

}  // namespace eddy
