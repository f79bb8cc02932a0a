#include "engine/function/expr_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "engine/common/decimal_ops.h"
#include "engine/common/java_format.h"
#include "engine/function/registry.h"
#include "engine/function/temporal.h"

namespace eddy {
namespace {

// ---- leaves ----------------------------------------------------------------------------

class LiteralExpr final : public CompiledExpr {
 public:
  LiteralExpr(Value v, TypePtr t, bool untyped_null = false)
      : CompiledExpr(std::move(t)), value_(std::move(v)), untyped_null_(untyped_null) {}
  Value Eval(EvalContext&) const override { return value_; }
  const Value* constant() const override { return &value_; }
  bool untyped_null() const override { return untyped_null_; }

 private:
  Value value_;
  bool untyped_null_;
};

class ColumnExpr final : public CompiledExpr {
 public:
  ColumnExpr(Section s, int index, TypePtr t) : CompiledExpr(std::move(t)), section_(s), index_(index) {}
  Value Eval(EvalContext& ctx) const override {
    const Record& r = *ctx.record;
    switch (section_) {
      case Section::kKey:
        return static_cast<size_t>(index_) < r.key.size() ? r.key[index_] : Value();
      case Section::kValue:
        return r.value && static_cast<size_t>(index_) < r.value->size() ? (*r.value)[index_] : Value();
      case Section::kRowtime: return Value::Bigint(r.timestamp);
      case Section::kRowpartition: return Value::Int(r.partition);
      case Section::kRowoffset: return Value::Bigint(r.offset);
      case Section::kWindowStart: return r.window ? Value::Bigint(r.window->start) : Value();
      case Section::kWindowEnd: return r.window ? Value::Bigint(r.window->end) : Value();
    }
    return Value();
  }

 private:
  Section section_;
  int index_;
};

// ---- casts -------------------------------------------------------------------------------

class CastExpr final : public CompiledExpr {
 public:
  CastExpr(CompiledExprPtr operand, TypePtr to) : CompiledExpr(std::move(to)), operand_(std::move(operand)) {}
  Value Eval(EvalContext& ctx) const override {
    Value v = operand_->Eval(ctx);
    if (v.is_null()) return v;
    return CastValue(v, *operand_->type(), *type(), ctx);
  }

 private:
  CompiledExprPtr operand_;
};

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

// BigDecimal.longValue(): the integer part, truncated toward zero.
int64_t DecimalTruncateToInt64(const Decimal& d) {
  __int128 u = d.unscaled;
  for (int i = 0; i < d.scale; ++i) u /= 10;
  for (int i = 0; i > d.scale; --i) u *= 10;
  return static_cast<int64_t>(u);
}

bool ParseInt64(std::string_view s, int64_t* out) {
  // Java's Long.parseLong on the trimmed text: optional sign, digits only.
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return false;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  __int128 acc = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    acc = acc * 10 + (s[i] - '0');
    if (acc > static_cast<__int128>(std::numeric_limits<int64_t>::max()) + 1) return false;
  }
  if (neg) acc = -acc;
  if (acc > std::numeric_limits<int64_t>::max() || acc < std::numeric_limits<int64_t>::min()) return false;
  *out = static_cast<int64_t>(acc);
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  std::string t(s);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  size_t start = 0;
  while (start < t.size() && std::isspace(static_cast<unsigned char>(t[start]))) ++start;
  t = t.substr(start);
  if (t.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size();
}

// Java's (int)/(long) conversion of a double: truncation, NaN -> 0, saturating.
template <typename I>
I JavaDoubleToIntegral(double d) {
  if (std::isnan(d)) return 0;
  if (d >= static_cast<double>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  if (d <= static_cast<double>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  return static_cast<I>(d);
}

// Java's String.valueOf of the value ksqlDB holds for a SQL value: what CAST(x AS STRING)
// prints. Collections print as java.util.List / Map do ("[1, 3]", "{k=1}") and structs as
// Kafka Connect's Struct ("Struct{F0=1,f1=3}", NULL fields left out).
void AppendJavaString(const Value& v, const Type& t, std::string& out) {
  if (v.is_null()) {
    out += "null";
    return;
  }
  switch (t.kind) {
    case TypeKind::kBoolean: out += v.as_bool() ? "true" : "false"; return;
    case TypeKind::kInt: out += std::to_string(v.as_int()); return;
    case TypeKind::kBigint: out += std::to_string(v.as_bigint()); return;
    case TypeKind::kDouble: AppendJavaDouble(v.as_double(), out); return;
    case TypeKind::kDecimal: out += v.as_decimal().ToString(); return;
    case TypeKind::kString: out += v.as_string(); return;
    case TypeKind::kDate: out += temporal::FormatDate(v.as_date()); return;
    case TypeKind::kTime: out += temporal::FormatTime(v.as_time()); return;
    case TypeKind::kTimestamp: out += temporal::FormatTimestamp(v.as_timestamp()); return;
    case TypeKind::kArray: {
      out += '[';
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) out += ", ";
        first = false;
        AppendJavaString(e, *t.element, out);
      }
      out += ']';
      return;
    }
    case TypeKind::kMap: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.as_map()) {
        if (!first) out += ", ";
        first = false;
        AppendJavaString(k, *t.key, out);
        out += '=';
        AppendJavaString(e, *t.element, out);
      }
      out += '}';
      return;
    }
    case TypeKind::kStruct: {
      out += "Struct{";
      bool first = true;
      const ValueList& f = v.as_struct();
      for (size_t i = 0; i < t.fields.size() && i < f.size(); ++i) {
        if (f[i].is_null()) continue;
        if (!first) out += ',';
        first = false;
        out += t.fields[i].name;
        out += '=';
        AppendJavaString(f[i], *t.fields[i].type, out);
      }
      out += '}';
      return;
    }
    default: out += v.DebugString(); return;
  }
}

std::string ValueToString(const Value& v, const Type& from) {
  if (from.kind == TypeKind::kString) return v.as_string();
  std::string out;
  AppendJavaString(v, from, out);
  return out;
}

}  // namespace

Value CastValue(const Value& v, const Type& from, const Type& to, EvalContext& ctx) {
  if (v.is_null()) return v;
  if (from.Equals(to)) return v;
  switch (to.kind) {
    case TypeKind::kString:
      return Value::String(ValueToString(v, from));
    case TypeKind::kBoolean:
      if (from.kind == TypeKind::kString) {
        // ksqlDB: "true"/"false" case-insensitively (and t/f, yes/no?); anything else fails.
        std::string s = v.as_string();
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (s == "true") return Value::Boolean(true);
        if (s == "false") return Value::Boolean(false);
        ctx.Fail(fmt::format("cannot cast '{}' to BOOLEAN", v.as_string()));
        return Value();
      }
      break;
    case TypeKind::kInt:
      switch (from.kind) {
        case TypeKind::kBigint: return Value::Int(static_cast<int32_t>(v.as_bigint()));
        case TypeKind::kDouble: return Value::Int(JavaDoubleToIntegral<int32_t>(v.as_double()));
        case TypeKind::kDecimal: return Value::Int(static_cast<int32_t>(DecimalTruncateToInt64(v.as_decimal())));
        case TypeKind::kString: {
          int64_t x;
          if (ParseInt64(v.as_string(), &x) && x >= std::numeric_limits<int32_t>::min() &&
              x <= std::numeric_limits<int32_t>::max())
            return Value::Int(static_cast<int32_t>(x));
          ctx.Fail(fmt::format("cannot cast '{}' to INTEGER", v.as_string()));
          return Value();
        }
        default: break;
      }
      break;
    case TypeKind::kBigint:
      switch (from.kind) {
        case TypeKind::kInt: return Value::Bigint(v.as_int());
        case TypeKind::kDouble: return Value::Bigint(JavaDoubleToIntegral<int64_t>(v.as_double()));
        case TypeKind::kDecimal: return Value::Bigint(DecimalTruncateToInt64(v.as_decimal()));
        case TypeKind::kTimestamp: return Value::Bigint(v.as_timestamp());
        case TypeKind::kString: {
          int64_t x;
          if (ParseInt64(v.as_string(), &x)) return Value::Bigint(x);
          ctx.Fail(fmt::format("cannot cast '{}' to BIGINT", v.as_string()));
          return Value();
        }
        default: break;
      }
      break;
    case TypeKind::kDouble:
      switch (from.kind) {
        case TypeKind::kInt: return Value::Double(v.as_int());
        case TypeKind::kBigint: return Value::Double(static_cast<double>(v.as_bigint()));
        case TypeKind::kDecimal: return Value::Double(DecimalToDouble(v.as_decimal()));
        case TypeKind::kString: {
          double d;
          if (ParseDouble(v.as_string(), &d)) return Value::Double(d);
          ctx.Fail(fmt::format("cannot cast '{}' to DOUBLE", v.as_string()));
          return Value();
        }
        default: break;
      }
      break;
    case TypeKind::kDecimal: {
      Result<Decimal> d = Status::Invalid("unsupported");
      switch (from.kind) {
        case TypeKind::kInt: d = DecimalFromInt64(v.as_int(), to.precision, to.scale); break;
        case TypeKind::kBigint: d = DecimalFromInt64(v.as_bigint(), to.precision, to.scale); break;
        case TypeKind::kDouble: d = DecimalFromDouble(v.as_double(), to.precision, to.scale); break;
        case TypeKind::kDecimal: d = DecimalCast(v.as_decimal(), to.precision, to.scale); break;
        case TypeKind::kString: {
          Result<Decimal> parsed = ParseDecimal(Trimmed(v.as_string()));
          d = parsed.ok() ? DecimalCast(parsed.value(), to.precision, to.scale) : parsed;
          break;
        }
        default: break;
      }
      if (!d.ok()) {
        ctx.Fail(fmt::format("cannot cast {} to {}: {}", ValueToString(v, from), to.ToString(),
                             d.status().message()));
        return Value();
      }
      return Value::Dec(d.value());
    }
    case TypeKind::kTimestamp:
      if (from.kind == TypeKind::kBigint) return Value::Ts(v.as_bigint());
      if (from.kind == TypeKind::kDate) return Value::Ts(static_cast<int64_t>(v.as_date()) * 86400000);
      if (from.kind == TypeKind::kString) {
        if (auto ts = temporal::ParseTimestamp(Trimmed(v.as_string()))) return Value::Ts(*ts);
        ctx.Fail(fmt::format("Failed to parse timestamp '{}': expected yyyy-MM-dd'T'HH:mm:ss.SSS", v.as_string()));
        return Value();
      }
      break;
    case TypeKind::kDate:
      if (from.kind == TypeKind::kTimestamp) {
        int64_t ms = v.as_timestamp();
        return Value::Dt(static_cast<int32_t>(ms / 86400000 - (ms % 86400000 < 0 ? 1 : 0)));
      }
      if (from.kind == TypeKind::kString) {
        if (auto d = temporal::ParseDate(Trimmed(v.as_string()))) return Value::Dt(*d);
        ctx.Fail(fmt::format("Failed to parse date '{}': expected yyyy-MM-dd", v.as_string()));
        return Value();
      }
      break;
    case TypeKind::kTime:
      if (from.kind == TypeKind::kTimestamp) {
        int64_t ms = v.as_timestamp() % 86400000;
        return Value::Tm(static_cast<int32_t>(ms < 0 ? ms + 86400000 : ms));
      }
      if (from.kind == TypeKind::kString) {
        if (auto t = temporal::ParseTime(Trimmed(v.as_string()))) return Value::Tm(*t);
        ctx.Fail(fmt::format("Failed to parse time '{}': expected HH:mm:ss", v.as_string()));
        return Value();
      }
      break;
    case TypeKind::kArray:
      if (from.kind == TypeKind::kArray) {
        ValueList out;
        out.reserve(v.as_array().size());
        for (const Value& e : v.as_array()) out.push_back(CastValue(e, *from.element, *to.element, ctx));
        return Value::Array(std::move(out));
      }
      break;
    case TypeKind::kMap:
      if (from.kind == TypeKind::kMap) {
        std::vector<std::pair<Value, Value>> out;
        out.reserve(v.as_map().size());
        for (const auto& [k, e] : v.as_map())
          out.emplace_back(CastValue(k, *from.key, *to.key, ctx), CastValue(e, *from.element, *to.element, ctx));
        return Value::Map(std::move(out));
      }
      break;
    case TypeKind::kStruct:
      if (from.kind == TypeKind::kStruct) {
        // Fields match by name; a target field the source lacks is NULL.
        const ValueList& f = v.as_struct();
        ValueList out;
        out.reserve(to.fields.size());
        for (const StructField& tf : to.fields) {
          int idx = from.FieldIndex(tf.name);
          if (idx < 0 || static_cast<size_t>(idx) >= f.size()) {
            out.emplace_back();
            continue;
          }
          out.push_back(CastValue(f[idx], *from.fields[idx].type, *tf.type, ctx));
        }
        return Value::Struct(std::move(out));
      }
      break;
    default: break;
  }
  ctx.Fail(fmt::format("cannot cast {} to {}", from.ToString(), to.ToString()));
  return Value();
}

namespace {

bool CastAllowed(const Type& from, const Type& to) {
  if (from.Equals(to)) return true;
  switch (to.kind) {
    case TypeKind::kString: return from.kind != TypeKind::kBytes;
    case TypeKind::kInt:
    case TypeKind::kDouble:
    case TypeKind::kDecimal: return from.IsNumeric() || from.kind == TypeKind::kString;
    case TypeKind::kBigint:
      return from.IsNumeric() || from.kind == TypeKind::kString || from.kind == TypeKind::kTimestamp;
    case TypeKind::kBoolean: return from.kind == TypeKind::kString;
    case TypeKind::kTimestamp:
      return from.kind == TypeKind::kBigint || from.kind == TypeKind::kString || from.kind == TypeKind::kDate;
    case TypeKind::kDate:
    case TypeKind::kTime: return from.kind == TypeKind::kString || from.kind == TypeKind::kTimestamp;
    case TypeKind::kArray: return from.kind == TypeKind::kArray && CastAllowed(*from.element, *to.element);
    case TypeKind::kMap:
      return from.kind == TypeKind::kMap && CastAllowed(*from.key, *to.key) && CastAllowed(*from.element, *to.element);
    case TypeKind::kStruct:
      if (from.kind != TypeKind::kStruct) return false;
      for (const StructField& tf : to.fields) {
        int idx = from.FieldIndex(tf.name);
        if (idx >= 0 && !CastAllowed(*from.fields[idx].type, *tf.type)) return false;
      }
      return true;
    default: return false;
  }
}

// ---- arithmetic ----------------------------------------------------------------------------

template <typename T>
T WrapAdd(T a, T b) { using U = std::make_unsigned_t<T>; return static_cast<T>(static_cast<U>(a) + static_cast<U>(b)); }
template <typename T>
T WrapSub(T a, T b) { using U = std::make_unsigned_t<T>; return static_cast<T>(static_cast<U>(a) - static_cast<U>(b)); }
template <typename T>
T WrapMul(T a, T b) { using U = std::make_unsigned_t<T>; return static_cast<T>(static_cast<U>(a) * static_cast<U>(b)); }

template <typename T>
Value IntegralArith(ArithOp op, T a, T b, EvalContext& ctx) {
  T r = 0;
  switch (op) {
    case ArithOp::kAdd: r = WrapAdd(a, b); break;
    case ArithOp::kSub: r = WrapSub(a, b); break;
    case ArithOp::kMul: r = WrapMul(a, b); break;
    case ArithOp::kDiv:
      if (b == 0) { ctx.Fail("/ by zero"); return Value(); }
      r = (b == -1) ? WrapSub<T>(0, a) : a / b;
      break;
    case ArithOp::kMod:
      if (b == 0) { ctx.Fail("/ by zero"); return Value(); }
      r = (b == -1) ? 0 : a % b;
      break;
  }
  if constexpr (std::is_same_v<T, int32_t>) return Value::Int(r);
  else return Value::Bigint(r);
}

class ArithExpr final : public CompiledExpr {
 public:
  ArithExpr(ArithOp op, CompiledExprPtr l, CompiledExprPtr r, TypePtr t)
      : CompiledExpr(std::move(t)), op_(op), lhs_(std::move(l)), rhs_(std::move(r)) {}
  Value Eval(EvalContext& ctx) const override {
    Value a = lhs_->Eval(ctx);
    if (a.is_null()) return a;
    Value b = rhs_->Eval(ctx);
    if (b.is_null()) return b;
    switch (type()->kind) {
      case TypeKind::kInt: return IntegralArith<int32_t>(op_, a.as_int(), b.as_int(), ctx);
      case TypeKind::kBigint: return IntegralArith<int64_t>(op_, a.as_bigint(), b.as_bigint(), ctx);
      case TypeKind::kDouble: {
        double x = a.as_double(), y = b.as_double();
        switch (op_) {
          case ArithOp::kAdd: return Value::Double(x + y);
          case ArithOp::kSub: return Value::Double(x - y);
          case ArithOp::kMul: return Value::Double(x * y);
          case ArithOp::kDiv: return Value::Double(x / y);
          case ArithOp::kMod: return Value::Double(std::fmod(x, y));
        }
        break;
      }
      case TypeKind::kDecimal: {
        DecimalType rt{type()->precision, type()->scale};
        Result<Decimal> r = Status::Internal("");
        switch (op_) {
          case ArithOp::kAdd: r = DecimalAdd(a.as_decimal(), b.as_decimal(), rt); break;
          case ArithOp::kSub: r = DecimalSub(a.as_decimal(), b.as_decimal(), rt); break;
          case ArithOp::kMul: r = DecimalMul(a.as_decimal(), b.as_decimal(), rt); break;
          case ArithOp::kDiv: r = DecimalDiv(a.as_decimal(), b.as_decimal(), rt); break;
          case ArithOp::kMod: r = DecimalMod(a.as_decimal(), b.as_decimal(), rt); break;
        }
        if (!r.ok()) {
          ctx.Fail(r.status().message());
          return Value();
        }
        return Value::Dec(r.value());
      }
      case TypeKind::kString: return Value::String(a.as_string() + b.as_string());
      default: break;
    }
    ctx.Fail("unsupported arithmetic");
    return Value();
  }

 private:
  ArithOp op_;
  CompiledExprPtr lhs_, rhs_;
};

class NegateExpr final : public CompiledExpr {
 public:
  explicit NegateExpr(CompiledExprPtr x) : CompiledExpr(x->type()), x_(std::move(x)) {}
  Value Eval(EvalContext& ctx) const override {
    Value v = x_->Eval(ctx);
    if (v.is_null()) return v;
    switch (type()->kind) {
      case TypeKind::kInt: return Value::Int(WrapSub<int32_t>(0, v.as_int()));
      case TypeKind::kBigint: return Value::Bigint(WrapSub<int64_t>(0, v.as_bigint()));
      case TypeKind::kDouble: return Value::Double(-v.as_double());
      case TypeKind::kDecimal: {
        return Value::Dec(DecimalNegate(v.as_decimal()));
      }
      default: return Value();
    }
  }

 private:
  CompiledExprPtr x_;
};

// ---- comparisons and logic -------------------------------------------------------------------

class CompareExpr final : public CompiledExpr {
 public:
  CompareExpr(CompareOp op, CompiledExprPtr l, CompiledExprPtr r)
      : CompiledExpr(Type::Boolean()), op_(op), lhs_(std::move(l)), rhs_(std::move(r)) {}
  Value Eval(EvalContext& ctx) const override {
    Value a = lhs_->Eval(ctx);
    Value b = rhs_->Eval(ctx);
    // ksqlDB's generated comparison is false when either side is NULL.
    if (a.is_null() || b.is_null()) return Value::Boolean(false);
    int c = CompareValues(a, b);
    switch (op_) {
      case CompareOp::kEq: return Value::Boolean(c == 0);
      case CompareOp::kNe: return Value::Boolean(c != 0);
      case CompareOp::kLt: return Value::Boolean(c < 0);
      case CompareOp::kLe: return Value::Boolean(c <= 0);
      case CompareOp::kGt: return Value::Boolean(c > 0);
      case CompareOp::kGe: return Value::Boolean(c >= 0);
    }
    return Value();
  }

 private:
  CompareOp op_;
  CompiledExprPtr lhs_, rhs_;
};

class LogicExpr final : public CompiledExpr {
 public:
  LogicExpr(LogicOp op, CompiledExprPtr l, CompiledExprPtr r)
      : CompiledExpr(Type::Boolean()), op_(op), lhs_(std::move(l)), rhs_(std::move(r)) {}
  Value Eval(EvalContext& ctx) const override {
    // SQL three-valued logic.
    Value a = lhs_->Eval(ctx);
    if (op_ == LogicOp::kAnd) {
      if (!a.is_null() && !a.as_bool()) return Value::Boolean(false);
      Value b = rhs_->Eval(ctx);
      if (!b.is_null() && !b.as_bool()) return Value::Boolean(false);
      if (a.is_null() || b.is_null()) return Value();
      return Value::Boolean(true);
    }
    if (!a.is_null() && a.as_bool()) return Value::Boolean(true);
    Value b = rhs_->Eval(ctx);
    if (!b.is_null() && b.as_bool()) return Value::Boolean(true);
    if (a.is_null() || b.is_null()) return Value();
    return Value::Boolean(false);
  }

 private:
  LogicOp op_;
  CompiledExprPtr lhs_, rhs_;
};

class NotExpr final : public CompiledExpr {
 public:
  explicit NotExpr(CompiledExprPtr x) : CompiledExpr(Type::Boolean()), x_(std::move(x)) {}
  Value Eval(EvalContext& ctx) const override {
    Value v = x_->Eval(ctx);
    if (v.is_null()) return v;
    return Value::Boolean(!v.as_bool());
  }

 private:
  CompiledExprPtr x_;
};

class IsNullExpr final : public CompiledExpr {
 public:
  IsNullExpr(CompiledExprPtr x, bool negated) : CompiledExpr(Type::Boolean()), x_(std::move(x)), negated_(negated) {}
  Value Eval(EvalContext& ctx) const override { return Value::Boolean(x_->Eval(ctx).is_null() != negated_); }

 private:
  CompiledExprPtr x_;
  bool negated_;
};

class DistinctFromExpr final : public CompiledExpr {
 public:
  DistinctFromExpr(CompiledExprPtr l, CompiledExprPtr r, bool negated)
      : CompiledExpr(Type::Boolean()), lhs_(std::move(l)), rhs_(std::move(r)), negated_(negated) {}
  Value Eval(EvalContext& ctx) const override {
    Value a = lhs_->Eval(ctx);
    Value b = rhs_->Eval(ctx);
    bool distinct;
    if (a.is_null() || b.is_null()) distinct = a.is_null() != b.is_null();
    else if (a.is_array() || a.is_map() || a.is_struct()) distinct = !(a == b);
    else distinct = CompareValues(a, b) != 0;
    return Value::Boolean(distinct != negated_);
  }

 private:
  CompiledExprPtr lhs_, rhs_;
  bool negated_;
};

class CaseExpr final : public CompiledExpr {
 public:
  CaseExpr(std::vector<CompiledExprPtr> conds, std::vector<CompiledExprPtr> results,
           CompiledExprPtr else_result, TypePtr t)
      : CompiledExpr(std::move(t)), conds_(std::move(conds)), results_(std::move(results)),
        else_(std::move(else_result)) {}
  Value Eval(EvalContext& ctx) const override {
    for (size_t i = 0; i < conds_.size(); ++i) {
      Value c = conds_[i]->Eval(ctx);
      if (!c.is_null() && c.as_bool()) return results_[i]->Eval(ctx);
    }
    return else_ ? else_->Eval(ctx) : Value();
  }

 private:
  std::vector<CompiledExprPtr> conds_, results_;
  CompiledExprPtr else_;
};

class InListExpr final : public CompiledExpr {
 public:
  InListExpr(CompiledExprPtr x, std::vector<CompiledExprPtr> list, bool negated)
      : CompiledExpr(Type::Boolean()), x_(std::move(x)), list_(std::move(list)), negated_(negated) {}
  Value Eval(EvalContext& ctx) const override {
    Value v = x_->Eval(ctx);
    if (v.is_null()) return Value::Boolean(false);
    for (const auto& e : list_) {
      Value w = e->Eval(ctx);
      if (!w.is_null() && CompareValues(v, w) == 0) return Value::Boolean(!negated_);
    }
    return Value::Boolean(negated_);
  }

 private:
  CompiledExprPtr x_;
  std::vector<CompiledExprPtr> list_;
  bool negated_;
};

class BetweenExpr final : public CompiledExpr {
 public:
  BetweenExpr(CompiledExprPtr x, CompiledExprPtr lo, CompiledExprPtr hi, bool negated)
      : CompiledExpr(Type::Boolean()), x_(std::move(x)), lo_(std::move(lo)), hi_(std::move(hi)), negated_(negated) {}
  Value Eval(EvalContext& ctx) const override {
    Value v = x_->Eval(ctx), lo = lo_->Eval(ctx), hi = hi_->Eval(ctx);
    if (v.is_null() || lo.is_null() || hi.is_null()) return Value::Boolean(false);
    bool in = CompareValues(v, lo) >= 0 && CompareValues(v, hi) <= 0;
    return Value::Boolean(in != negated_);
  }

 private:
  CompiledExprPtr x_, lo_, hi_;
  bool negated_;
};

// SQL LIKE: % any run, _ one character, with an optional escape character.
bool LikeMatch(std::string_view s, std::string_view p, int escape) {
  size_t si = 0, pi = 0, star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      char pc = p[pi];
      if (escape >= 0 && pc == static_cast<char>(escape) && pi + 1 < p.size()) {
        if (s[si] == p[pi + 1]) { si++; pi += 2; continue; }
      } else if (pc == '%') {
        star_p = pi++;
        star_s = si;
        continue;
      } else if (pc == '_' || pc == s[si]) {
        si++;
        pi++;
        continue;
      }
    }
    if (star_p != std::string_view::npos) {
      pi = star_p + 1;
      si = ++star_s;
      continue;
    }
    return false;
  }
  while (pi < p.size() && p[pi] == '%') pi++;
  return pi == p.size();
}

class LikeExpr final : public CompiledExpr {
 public:
  LikeExpr(CompiledExprPtr x, CompiledExprPtr p, CompiledExprPtr esc, bool negated)
      : CompiledExpr(Type::Boolean()), x_(std::move(x)), p_(std::move(p)), esc_(std::move(esc)), negated_(negated) {}
  Value Eval(EvalContext& ctx) const override {
    Value v = x_->Eval(ctx), p = p_->Eval(ctx);
    if (v.is_null() || p.is_null()) return Value::Boolean(false);
    int escape = -1;
    if (esc_) {
      Value e = esc_->Eval(ctx);
      if (!e.is_null() && !e.as_string().empty()) escape = static_cast<unsigned char>(e.as_string()[0]);
    }
    return Value::Boolean(LikeMatch(v.as_string(), p.as_string(), escape) != negated_);
  }

 private:
  CompiledExprPtr x_, p_, esc_;
  bool negated_;
};

// ---- collections -----------------------------------------------------------------------------

class SubscriptExpr final : public CompiledExpr {
 public:
  SubscriptExpr(CompiledExprPtr base, CompiledExprPtr index, TypePtr t)
      : CompiledExpr(std::move(t)), base_(std::move(base)), index_(std::move(index)) {}
  Value Eval(EvalContext& ctx) const override {
    Value b = base_->Eval(ctx);
    Value i = index_->Eval(ctx);
    if (b.is_null() || i.is_null()) return Value();
    if (b.is_array()) {
      // ksqlDB arrays are 1-based; negative indexes count from the end; out of range is NULL.
      const auto& items = b.as_array();
      int64_t idx = i.ToInt64();
      int64_t n = static_cast<int64_t>(items.size());
      int64_t pos = idx > 0 ? idx - 1 : n + idx;
      if (idx == 0 || pos < 0 || pos >= n) return Value();
      return items[static_cast<size_t>(pos)];
    }
    for (const auto& [k, v] : b.as_map())
      if (k == i) return v;
    return Value();
  }

 private:
  CompiledExprPtr base_, index_;
};

class DereferenceExpr final : public CompiledExpr {
 public:
  DereferenceExpr(CompiledExprPtr base, int field, TypePtr t)
      : CompiledExpr(std::move(t)), base_(std::move(base)), field_(field) {}
  Value Eval(EvalContext& ctx) const override {
    Value b = base_->Eval(ctx);
    if (b.is_null()) return b;
    const auto& f = b.as_struct();
    return static_cast<size_t>(field_) < f.size() ? f[field_] : Value();
  }

 private:
  CompiledExprPtr base_;
  int field_;
};

class ArrayCtorExpr final : public CompiledExpr {
 public:
  ArrayCtorExpr(std::vector<CompiledExprPtr> items, TypePtr t) : CompiledExpr(std::move(t)), items_(std::move(items)) {}
  Value Eval(EvalContext& ctx) const override {
    ValueList out;
    out.reserve(items_.size());
    for (const auto& e : items_) out.push_back(e->Eval(ctx));
    return Value::Array(std::move(out));
  }

 private:
  std::vector<CompiledExprPtr> items_;
};

class MapCtorExpr final : public CompiledExpr {
 public:
  MapCtorExpr(std::vector<CompiledExprPtr> k, std::vector<CompiledExprPtr> v, TypePtr t)
      : CompiledExpr(std::move(t)), keys_(std::move(k)), values_(std::move(v)) {}
  Value Eval(EvalContext& ctx) const override {
    std::vector<std::pair<Value, Value>> out;
    for (size_t i = 0; i < keys_.size(); ++i) {
      Value k = keys_[i]->Eval(ctx);
      Value v = values_[i]->Eval(ctx);
      bool replaced = false;
      for (auto& e : out)
        if (e.first == k) { e.second = v; replaced = true; }
      if (!replaced) out.emplace_back(std::move(k), std::move(v));
    }
    return Value::Map(std::move(out));
  }

 private:
  std::vector<CompiledExprPtr> keys_, values_;
};

class StructCtorExpr final : public CompiledExpr {
 public:
  StructCtorExpr(std::vector<CompiledExprPtr> v, TypePtr t) : CompiledExpr(std::move(t)), values_(std::move(v)) {}
  Value Eval(EvalContext& ctx) const override {
    ValueList out;
    out.reserve(values_.size());
    for (const auto& e : values_) out.push_back(e->Eval(ctx));
    return Value::Struct(std::move(out));
  }

 private:
  std::vector<CompiledExprPtr> values_;
};

class CallExpr final : public CompiledExpr {
 public:
  CallExpr(std::string name, BoundScalar bound, std::vector<CompiledExprPtr> args)
      : CompiledExpr(bound.return_type), name_(std::move(name)), bound_(std::move(bound)), args_(std::move(args)) {
    scratch_size_ = args_.size();
  }
  Value Eval(EvalContext& ctx) const override {
    // Small fixed buffer: most functions take few arguments, so no allocation per call.
    Value small[6];
    std::vector<Value> big;
    Value* vals = small;
    if (scratch_size_ > 6) {
      big.resize(scratch_size_);
      vals = big.data();
    }
    for (size_t i = 0; i < args_.size(); ++i) {
      vals[i] = args_[i]->Eval(ctx);
      if (bound_.null_on_null && vals[i].is_null()) return Value();
    }
    std::string before = std::move(ctx.error);
    ctx.error.clear();
    Value out = bound_.impl(vals, args_.size(), ctx);
    if (!ctx.error.empty()) {
      ctx.error = before.empty() ? fmt::format("{}: {}", name_, ctx.error) : before;
      return Value();
    }
    ctx.error = std::move(before);
    return out;
  }

 private:
  std::string name_;
  BoundScalar bound_;
  std::vector<CompiledExprPtr> args_;
  size_t scratch_size_;
};

}  // namespace

// ---- public builders -------------------------------------------------------------------------

CompiledExprPtr MakeLiteral(Value value, TypePtr type) {
  return std::make_unique<LiteralExpr>(std::move(value), std::move(type));
}
CompiledExprPtr MakeNullLiteral(TypePtr type) {
  if (!type) return std::make_unique<LiteralExpr>(Value(), Type::String(), /*untyped_null=*/true);
  return std::make_unique<LiteralExpr>(Value(), std::move(type));
}
CompiledExprPtr MakeColumn(Section section, int index, TypePtr type) {
  return std::make_unique<ColumnExpr>(section, index, std::move(type));
}

namespace {
TypePtr AsDecimalType(const Type& t) {
  switch (t.kind) {
    case TypeKind::kInt: return Type::Decimal(10, 0);
    case TypeKind::kBigint: return Type::Decimal(19, 0);
    case TypeKind::kDecimal: return Type::Decimal(t.precision, t.scale);
    default: return nullptr;
  }
}
int Rank(TypeKind k) {
  switch (k) {
    case TypeKind::kInt: return 0;
    case TypeKind::kBigint: return 1;
    case TypeKind::kDecimal: return 2;
    case TypeKind::kDouble: return 3;
    default: return -1;
  }
}
}  // namespace

bool CanWiden(const Type& from, const Type& to) {
  if (from.Equals(to)) return true;
  int a = Rank(from.kind), b = Rank(to.kind);
  if (a < 0 || b < 0) return false;
  if (to.kind == TypeKind::kDecimal && from.kind == TypeKind::kDecimal) return true;
  return a < b;
}

TypePtr WidenNumeric(const TypePtr& a, const TypePtr& b) {
  int ra = Rank(a->kind), rb = Rank(b->kind);
  if (ra < 0 || rb < 0) return nullptr;
  if (a->kind == TypeKind::kDouble || b->kind == TypeKind::kDouble) return Type::Double();
  if (a->kind == TypeKind::kDecimal || b->kind == TypeKind::kDecimal) {
    TypePtr da = AsDecimalType(*a), db = AsDecimalType(*b);
    DecimalType w = DecimalWidenType(da->precision, da->scale, db->precision, db->scale);
    return Type::Decimal(w.precision, w.scale);
  }
  return ra >= rb ? a : b;
}

Result<CompiledExprPtr> Coerce(CompiledExprPtr e, const TypePtr& to) {
  if (e->type()->Equals(*to)) return e;
  if (const Value* c = e->constant(); c && c->is_null()) return MakeNullLiteral(to);
  return CompiledExprPtr(std::make_unique<CastExpr>(std::move(e), to));
}

Result<CompiledExprPtr> MakeArithmetic(ArithOp op, CompiledExprPtr lhs, CompiledExprPtr rhs,
                                       std::string_view expr_text) {
  const TypePtr& a = lhs->type();
  const TypePtr& b = rhs->type();
  if (op == ArithOp::kAdd && a->kind == TypeKind::kString && b->kind == TypeKind::kString) {
    return CompiledExprPtr(std::make_unique<ArithExpr>(op, std::move(lhs), std::move(rhs), Type::String()));
  }
  if (!a->IsNumeric() || !b->IsNumeric()) {
    // ksqlDB names the base types only: DECIMAL, not DECIMAL(2, 1).
    const auto base = [](const Type& t) {
      std::string s = t.ToString();
      return s.substr(0, s.find_first_of("(<"));
    };
    return Status::Invalid(fmt::format("Error processing expression: {}{}Unsupported arithmetic types. {} {}",
                                       expr_text, expr_text.empty() ? "" : ". ", base(*a), base(*b)));
  }
  TypePtr result;
  TypePtr operand;
  if (a->kind == TypeKind::kDouble || b->kind == TypeKind::kDouble) {
    result = operand = Type::Double();
  } else if (a->kind == TypeKind::kDecimal || b->kind == TypeKind::kDecimal) {
    TypePtr da = AsDecimalType(*a), db = AsDecimalType(*b);
    DecimalType rt;
    switch (op) {
      case ArithOp::kAdd: rt = DecimalAddType(da->precision, da->scale, db->precision, db->scale); break;
      case ArithOp::kSub: rt = DecimalSubType(da->precision, da->scale, db->precision, db->scale); break;
      case ArithOp::kMul: rt = DecimalMulType(da->precision, da->scale, db->precision, db->scale); break;
      case ArithOp::kDiv: rt = DecimalDivType(da->precision, da->scale, db->precision, db->scale); break;
      case ArithOp::kMod: rt = DecimalModType(da->precision, da->scale, db->precision, db->scale); break;
    }
    result = Type::Decimal(rt.precision, rt.scale);
    // Operands keep their own precision/scale; only integers become decimals.
    ASSIGN_OR_RETURN(lhs, Coerce(std::move(lhs), da));
    ASSIGN_OR_RETURN(rhs, Coerce(std::move(rhs), db));
    return CompiledExprPtr(std::make_unique<ArithExpr>(op, std::move(lhs), std::move(rhs), result));
  } else {
    result = operand = WidenNumeric(a, b);
  }
  ASSIGN_OR_RETURN(lhs, Coerce(std::move(lhs), operand));
  ASSIGN_OR_RETURN(rhs, Coerce(std::move(rhs), operand));
  return CompiledExprPtr(std::make_unique<ArithExpr>(op, std::move(lhs), std::move(rhs), result));
}

Result<CompiledExprPtr> MakeNegate(CompiledExprPtr operand) {
  if (!operand->type()->IsNumeric())
    return Status::Invalid(fmt::format("cannot negate a value of type {}", operand->type()->ToString()));
  return CompiledExprPtr(std::make_unique<NegateExpr>(std::move(operand)));
}

namespace {
bool Comparable(const Type& a, const Type& b) {
  if (a.IsNumeric() && b.IsNumeric()) return true;
  if (a.kind != b.kind) return false;
  return a.IsPrimitive() || a.Equals(b);
}
}  // namespace

Result<CompiledExprPtr> MakeComparison(CompareOp op, CompiledExprPtr lhs, CompiledExprPtr rhs) {
  const TypePtr a = lhs->type();
  const TypePtr b = rhs->type();
  bool a_null = lhs->constant() && lhs->constant()->is_null();
  bool b_null = rhs->constant() && rhs->constant()->is_null();
  if (!a_null && !b_null) {
    if (!Comparable(*a, *b) ||
        (!a->IsPrimitive() && op != CompareOp::kEq && op != CompareOp::kNe)) {
      return Status::Invalid(fmt::format("Cannot compare {} to {}", a->ToString(), b->ToString()));
    }
    if (a->IsNumeric() && !a->Equals(*b)) {
      TypePtr common = WidenNumeric(a, b);
      ASSIGN_OR_RETURN(lhs, Coerce(std::move(lhs), common));
      ASSIGN_OR_RETURN(rhs, Coerce(std::move(rhs), common));
    }
  }
  return CompiledExprPtr(std::make_unique<CompareExpr>(op, std::move(lhs), std::move(rhs)));
}

Result<CompiledExprPtr> MakeLogical(LogicOp op, CompiledExprPtr lhs, CompiledExprPtr rhs) {
  for (const auto* e : {&lhs, &rhs}) {
    if ((*e)->type()->kind != TypeKind::kBoolean && !((*e)->constant() && (*e)->constant()->is_null()))
      return Status::Invalid(fmt::format("{} needs BOOLEAN operands, not {}", op == LogicOp::kAnd ? "AND" : "OR",
                                         (*e)->type()->ToString()));
  }
  return CompiledExprPtr(std::make_unique<LogicExpr>(op, std::move(lhs), std::move(rhs)));
}

Result<CompiledExprPtr> MakeNot(CompiledExprPtr operand) {
  if (operand->type()->kind != TypeKind::kBoolean)
    return Status::Invalid(fmt::format("NOT needs a BOOLEAN operand, not {}", operand->type()->ToString()));
  return CompiledExprPtr(std::make_unique<NotExpr>(std::move(operand)));
}

CompiledExprPtr MakeIsNull(CompiledExprPtr operand, bool negated) {
  return std::make_unique<IsNullExpr>(std::move(operand), negated);
}

Result<CompiledExprPtr> MakeDistinctFrom(CompiledExprPtr lhs, CompiledExprPtr rhs, bool negated) {
  bool a_null = lhs->constant() && lhs->constant()->is_null();
  bool b_null = rhs->constant() && rhs->constant()->is_null();
  if (!a_null && !b_null) {
    if (!Comparable(*lhs->type(), *rhs->type()))
      return Status::Invalid(fmt::format("Cannot compare {} to {}", lhs->type()->ToString(), rhs->type()->ToString()));
    if (lhs->type()->IsNumeric() && !lhs->type()->Equals(*rhs->type())) {
      TypePtr common = WidenNumeric(lhs->type(), rhs->type());
      ASSIGN_OR_RETURN(lhs, Coerce(std::move(lhs), common));
      ASSIGN_OR_RETURN(rhs, Coerce(std::move(rhs), common));
    }
  }
  return CompiledExprPtr(std::make_unique<DistinctFromExpr>(std::move(lhs), std::move(rhs), negated));
}

Result<CompiledExprPtr> MakeCast(CompiledExprPtr operand, TypePtr target) {
  if (const Value* c = operand->constant(); c && c->is_null()) return MakeNullLiteral(target);
  if (!CastAllowed(*operand->type(), *target)) {
    return Status::Invalid(fmt::format("Cast of {} to {} is not supported", operand->type()->ToString(),
                                       target->ToString()));
  }
  if (operand->type()->Equals(*target)) return operand;
  return CompiledExprPtr(std::make_unique<CastExpr>(std::move(operand), std::move(target)));
}

Result<CompiledExprPtr> MakeCase(std::vector<CompiledExprPtr> conditions, std::vector<CompiledExprPtr> results,
                                 CompiledExprPtr else_result) {
  for (const auto& c : conditions) {
    if (c->type()->kind != TypeKind::kBoolean)
      return Status::Invalid(fmt::format("WHEN operand type should be boolean. Type for '{}' is {}", "condition",
                                         c->type()->ToString()));
  }
  // The result type is the first non-NULL-literal branch's; numeric branches widen.
  TypePtr type;
  auto consider = [&type](const CompiledExprPtr& e) -> Status {
    if (e->untyped_null()) return Status::Ok();
    if (!type) {
      type = e->type();
    } else if (!type->Equals(*e->type())) {
      TypePtr w = WidenNumeric(type, e->type());
      if (!w)
        return Status::Invalid(fmt::format("Invalid Case expression. Type for all 'THEN' clauses should be the same. "
                                           "Result types: {} and {}", type->ToString(), e->type()->ToString()));
      type = w;
    }
    return Status::Ok();
  };
  for (const auto& r : results) RETURN_IF_ERROR(consider(r));
  if (else_result) RETURN_IF_ERROR(consider(else_result));
  if (!type) return Status::Invalid("Invalid Case expression. All case branches have NULL type");
  for (auto& r : results) {
    ASSIGN_OR_RETURN(r, Coerce(std::move(r), type));
  }
  if (else_result) {
    ASSIGN_OR_RETURN(else_result, Coerce(std::move(else_result), type));
  }
  return CompiledExprPtr(
      std::make_unique<CaseExpr>(std::move(conditions), std::move(results), std::move(else_result), type));
}

Result<CompiledExprPtr> MakeInList(CompiledExprPtr operand, std::vector<CompiledExprPtr> list, bool negated) {
  for (auto& e : list) {
    if (e->constant() && e->constant()->is_null()) continue;
    if (!Comparable(*operand->type(), *e->type()))
      return Status::Invalid(fmt::format("invalid IN list: cannot compare {} to {}", operand->type()->ToString(),
                                         e->type()->ToString()));
    if (operand->type()->IsNumeric() && !operand->type()->Equals(*e->type())) {
      TypePtr common = WidenNumeric(operand->type(), e->type());
      if (!common->Equals(*operand->type())) {
    ASSIGN_OR_RETURN(operand, Coerce(std::move(operand), common));
  }
      ASSIGN_OR_RETURN(e, Coerce(std::move(e), common));
    }
  }
  return CompiledExprPtr(std::make_unique<InListExpr>(std::move(operand), std::move(list), negated));
}

Result<CompiledExprPtr> MakeBetween(CompiledExprPtr operand, CompiledExprPtr low, CompiledExprPtr high, bool negated) {
  for (auto* e : {&low, &high}) {
    if (!Comparable(*operand->type(), *(*e)->type()))
      return Status::Invalid(fmt::format("invalid BETWEEN: cannot compare {} to {}", operand->type()->ToString(),
                                         (*e)->type()->ToString()));
  }
  if (operand->type()->IsNumeric()) {
    TypePtr common = WidenNumeric(WidenNumeric(operand->type(), low->type()), high->type());
    ASSIGN_OR_RETURN(operand, Coerce(std::move(operand), common));
    ASSIGN_OR_RETURN(low, Coerce(std::move(low), common));
    ASSIGN_OR_RETURN(high, Coerce(std::move(high), common));
  }
  return CompiledExprPtr(std::make_unique<BetweenExpr>(std::move(operand), std::move(low), std::move(high), negated));
}

Result<CompiledExprPtr> MakeLike(CompiledExprPtr operand, CompiledExprPtr pattern, CompiledExprPtr escape,
                                 bool negated) {
  if (operand->type()->kind != TypeKind::kString || pattern->type()->kind != TypeKind::kString)
    return Status::Invalid("LIKE needs STRING operands");
  return CompiledExprPtr(
      std::make_unique<LikeExpr>(std::move(operand), std::move(pattern), std::move(escape), negated));
}

Result<CompiledExprPtr> MakeSubscript(CompiledExprPtr base, CompiledExprPtr index) {
  const Type& t = *base->type();
  if (t.kind == TypeKind::kArray) {
    if (index->type()->kind != TypeKind::kInt && index->type()->kind != TypeKind::kBigint)
      return Status::Invalid("array index must be an INTEGER");
    TypePtr el = t.element;
    return CompiledExprPtr(std::make_unique<SubscriptExpr>(std::move(base), std::move(index), el));
  }
  if (t.kind == TypeKind::kMap) {
    TypePtr el = t.element;
    ASSIGN_OR_RETURN(index, Coerce(std::move(index), t.key));
    return CompiledExprPtr(std::make_unique<SubscriptExpr>(std::move(base), std::move(index), el));
  }
  return Status::Invalid(fmt::format("cannot subscript a value of type {}", t.ToString()));
}

Result<CompiledExprPtr> MakeDereference(CompiledExprPtr base, const std::string& field) {
  const Type& t = *base->type();
  if (t.kind != TypeKind::kStruct)
    return Status::Invalid(fmt::format("cannot dereference a value of type {}", t.ToString()));
  int idx = t.FieldIndex(field);
  if (idx < 0) return Status::Invalid(fmt::format("Could not find field '{}' in '{}'", field, t.ToString()));
  TypePtr ft = t.fields[idx].type;
  return CompiledExprPtr(std::make_unique<DereferenceExpr>(std::move(base), idx, ft));
}

namespace {

// ksqlDB names a type by its base type in coercion errors: DECIMAL, not DECIMAL(4, 2).
std::string BaseTypeName(const Type& t) { return t.kind == TypeKind::kDecimal ? "DECIMAL" : t.ToString(); }

// ksqlDB's CoercionUtil for collection constructors: a STRING literal among numbers is read as
// a number of the common type ("invalid input syntax for type INTEGER" when it is not one), and
// structs unite their fields by name. Returns the common element type, or null when the
// elements cannot share one.
Result<TypePtr> CommonElementType(std::vector<CompiledExprPtr>& items) {
  TypePtr el;
  bool string_literals = false;
  for (const auto& e : items) {
    if (e->constant() && e->constant()->is_null()) continue;
    if (e->constant() && e->type()->kind == TypeKind::kString) {
      string_literals = true;
      continue;
    }
    if (!el) {
      el = e->type();
    } else if (!el->Equals(*e->type())) {
      TypePtr w = WidenNumeric(el, e->type());
      if (!w && el->kind == TypeKind::kStruct && e->type()->kind == TypeKind::kStruct) {
        std::vector<StructField> fields = el->fields;
        for (const StructField& f : e->type()->fields) {
          int idx = el->FieldIndex(f.name);
          if (idx < 0) {
            fields.push_back(f);
          } else if (!fields[idx].type->Equals(*f.type)) {
            TypePtr fw = WidenNumeric(fields[idx].type, f.type);
            if (!fw) return TypePtr();
            fields[idx].type = fw;
          }
        }
        w = Type::Struct(std::move(fields));
      }
      if (!w) return TypePtr();
      el = w;
    }
  }
  if (!string_literals) return el ? el : Type::String();
  if (!el || el->kind == TypeKind::kString) return Type::String();
  if (el->kind == TypeKind::kBoolean) {
    // ksqlDB reads 'true'/'yes'/'t'/'y' and 'false'/'no'/'f'/'n', in any case, as booleans.
    for (auto& e : items) {
      if (!e->constant() || e->constant()->is_null() || e->type()->kind != TypeKind::kString) continue;
      std::string text = e->constant()->as_string();
      std::string lower;
      for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      bool yes = lower == "true" || lower == "yes" || lower == "t" || lower == "y";
      bool no = lower == "false" || lower == "no" || lower == "f" || lower == "n";
      if (!yes && !no) return Status::Invalid(fmt::format("invalid input syntax for type BOOLEAN: \"{}\".", text));
      e = MakeLiteral(Value::Boolean(yes), el);
    }
    return el;
  }
  if (!el->IsNumeric()) return TypePtr();
  // Each string literal reads as a DECIMAL of its own precision and scale, which then widens
  // with the other elements (so INT, BIGINT and '2e1' make DECIMAL(19, 0)).
  std::vector<std::pair<size_t, Decimal>> parsed;
  for (size_t i = 0; i < items.size(); ++i) {
    auto& e = items[i];
    if (!e->constant() || e->constant()->is_null() || e->type()->kind != TypeKind::kString) continue;
    const std::string& text = e->constant()->as_string();
    Result<Decimal> d = ParseDecimal(Trimmed(text));
    if (!d.ok())
      return Status::Invalid(fmt::format("invalid input syntax for type {}: \"{}\".", BaseTypeName(*el), text));
    Decimal x = d.value();
    while (x.scale < 0) x.unscaled *= 10, x.scale++;
    int digits = 0;
    for (__int128 u = x.unscaled < 0 ? -x.unscaled : x.unscaled; u > 0; u /= 10) ++digits;
    int precision = std::max({digits, x.scale, 1});
    el = WidenNumeric(el, Type::Decimal(std::min(precision, 38), x.scale));
    parsed.emplace_back(i, x);
  }
  for (auto& [i, x] : parsed) {
    EvalContext ctx;
    Value v = CastValue(Value::Dec(x), *Type::Decimal(38, x.scale), *el, ctx);
    if (!ctx.error.empty())
      return Status::Invalid(fmt::format("invalid input syntax for type {}: \"{}\".", BaseTypeName(*el),
                                         items[i]->constant()->as_string()));
    items[i] = MakeLiteral(std::move(v), el);
  }
  return el;
}

}  // namespace

Result<CompiledExprPtr> MakeArrayCtor(std::vector<CompiledExprPtr> items) {
  if (items.empty())
    return Status::Invalid("Array constructor cannot be empty. Please supply at least one element "
                           "(see https://github.com/confluentinc/ksql/issues/4239).");
  if (std::all_of(items.begin(), items.end(), [](const CompiledExprPtr& e) { return e->untyped_null(); }))
    return Status::Invalid("Cannot construct an array with all NULL elements "
                           "(see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a "
                           "NULL value to the desired type.");
  ASSIGN_OR_RETURN(TypePtr el, CommonElementType(items));
  if (!el) return Status::Invalid("invalid input syntax for type ARRAY: all elements must be of the same type");
  for (auto& e : items) {
    ASSIGN_OR_RETURN(e, Coerce(std::move(e), el));
  }
  return CompiledExprPtr(std::make_unique<ArrayCtorExpr>(std::move(items), Type::Array(el)));
}

Result<CompiledExprPtr> MakeMapCtor(std::vector<CompiledExprPtr> keys, std::vector<CompiledExprPtr> values) {
  if (keys.empty())
    return Status::Invalid("Map constructor cannot be empty. Please supply at least one key value pair "
                           "(see https://github.com/confluentinc/ksql/issues/4239).");
  auto all_null = [](const std::vector<CompiledExprPtr>& v) {
    return std::all_of(v.begin(), v.end(), [](const CompiledExprPtr& e) { return e->untyped_null(); });
  };
  if (all_null(keys))
    return Status::Invalid("Cannot construct a map with all NULL keys "
                           "(see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a "
                           "NULL key to the desired type.");
  if (all_null(values))
    return Status::Invalid("Cannot construct a map with all NULL values "
                           "(see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a "
                           "NULL value to the desired type.");
  // The values meet at one type as ksqlDB's CoercionUtil makes them (string literals read as
  // numbers or booleans).
  ASSIGN_OR_RETURN(TypePtr vt, CommonElementType(values));
  if (!vt) return Status::Invalid("invalid input syntax for type MAP: all values must be of the same type");
  // Keys that all have one type keep it (MAP(k := v) over an INT k is a MAP<INTEGER, ...>, which
  // JSON then rejects, as in ksqlDB); mixed keys meet at STRING (MAP(k1 := v, 10 := v)).
  TypePtr kt;
  for (const auto& k : keys) {
    if (k->constant() && k->constant()->is_null()) continue;
    if (!kt) kt = k->type();
    else if (!kt->Equals(*k->type())) kt = Type::String();
  }
  if (!kt) kt = Type::String();
  for (auto& k : keys) {
    ASSIGN_OR_RETURN(k, Coerce(std::move(k), kt));
  }
  for (auto& v : values) {
    ASSIGN_OR_RETURN(v, Coerce(std::move(v), vt));
  }
  return CompiledExprPtr(std::make_unique<MapCtorExpr>(std::move(keys), std::move(values), Type::Map(kt, vt)));
}

Result<CompiledExprPtr> MakeStructCtor(std::vector<std::string> names, std::vector<CompiledExprPtr> values) {
  std::vector<StructField> fields;
  for (size_t i = 0; i < names.size(); ++i) fields.push_back({names[i], values[i]->type()});
  return CompiledExprPtr(std::make_unique<StructCtorExpr>(std::move(values), Type::Struct(std::move(fields))));
}

Result<CompiledExprPtr> MakeCall(const ScalarFunction& fn, std::vector<CompiledExprPtr> args) {
  std::vector<TypePtr> types;
  types.reserve(args.size());
  for (const auto& a : args) types.push_back(a->untyped_null() ? nullptr : a->type());
  ASSIGN_OR_RETURN(BoundScalar bound, fn.bind(types));
  for (size_t i = 0; i < args.size() && i < bound.param_types.size(); ++i) {
    if (bound.param_types[i]) {
    ASSIGN_OR_RETURN(args[i], Coerce(std::move(args[i]), bound.param_types[i]));
  }
  }
  return CompiledExprPtr(std::make_unique<CallExpr>(fn.name, std::move(bound), std::move(args)));
}

int CompareValues(const Value& a, const Value& b) {
  if (a.index() == b.index()) {
    if (a.is_string()) return a.as_string().compare(b.as_string());
    if (a.is_int()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
    if (a.is_bigint()) return a.as_bigint() < b.as_bigint() ? -1 : a.as_bigint() > b.as_bigint();
    if (a.is_double()) {
      double x = a.as_double(), y = b.as_double();
      return x < y ? -1 : x > y;
    }
    if (a.is_bool()) return static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
    if (a.is_decimal()) return DecimalCompare(a.as_decimal(), b.as_decimal());
    if (a.is_timestamp()) return a.as_timestamp() < b.as_timestamp() ? -1 : a.as_timestamp() > b.as_timestamp();
    if (a.is_date()) return a.as_date() < b.as_date() ? -1 : a.as_date() > b.as_date();
    if (a.is_time()) return a.as_time() < b.as_time() ? -1 : a.as_time() > b.as_time();
    if (a.is_bytes()) return a.as_bytes().compare(b.as_bytes());
    return a == b ? 0 : 1;
  }
  // Mixed numerics (only when not widened at compile time).
  double x = a.ToDouble(), y = b.ToDouble();
  return x < y ? -1 : x > y;
}

}  // namespace eddy
