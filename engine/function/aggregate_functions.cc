// COUNT, SUM, MIN, MAX, AVG, LATEST_BY_OFFSET, EARLIEST_BY_OFFSET, COLLECT_LIST, COLLECT_SET,
// TOPK, TOPKDISTINCT, CORRELATION, STDDEV_SAMP, STDDEV_SAMPLE, HISTOGRAM, COUNT_DISTINCT, SUM_LIST, ATTR.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>

#include "engine/common/decimal_ops.h"
#include "engine/common/java_format.h"
#include "engine/function/builtin_util.h"
#include "engine/function/expr_builder.h"

namespace eddy {
namespace {

class CountAggregator final : public Aggregator {
 public:
  explicit CountAggregator(bool star) : Aggregator(Type::Bigint()), star_(star) {}
  Value Init() const override { return Value::Bigint(0); }
  Value Accumulate(const Value& s, const Value* a, size_t n) const override {
    if (!star_ && n > 0 && a[0].is_null()) return s;
    return Value::Bigint(s.as_bigint() + 1);
  }
  bool can_undo() const override { return true; }
  Value Undo(const Value& s, const Value* a, size_t n) const override {
    if (!star_ && n > 0 && a[0].is_null()) return s;
    return Value::Bigint(s.as_bigint() - 1);
  }
  Value Merge(const Value& x, const Value& y) const override { return Value::Bigint(x.as_bigint() + y.as_bigint()); }
  Value Result(const Value& s) const override { return s; }

 private:
  bool star_;
};

Value AddValues(const Value& x, const Value& y, bool subtract) {
  if (x.is_int()) return Value::Int(static_cast<int32_t>(static_cast<uint32_t>(x.as_int()) +
                                                         (subtract ? 0u - static_cast<uint32_t>(y.as_int()) : static_cast<uint32_t>(y.as_int()))));
  if (x.is_bigint()) return Value::Bigint(static_cast<int64_t>(static_cast<uint64_t>(x.as_bigint()) +
                                                               (subtract ? 0ull - static_cast<uint64_t>(y.as_bigint()) : static_cast<uint64_t>(y.as_bigint()))));
  if (x.is_double()) return Value::Double(subtract ? x.as_double() - y.as_double() : x.as_double() + y.as_double());
  Decimal a = x.as_decimal(), b = y.as_decimal();
  return Value::Dec(Decimal{subtract ? a.unscaled - b.unscaled : a.unscaled + b.unscaled, a.scale});
}

class SumAggregator final : public Aggregator {
 public:
  explicit SumAggregator(TypePtr t) : Aggregator(t), zero_(Zero(*t)) {}
  Value Init() const override { return zero_; }
  Value Accumulate(const Value& s, const Value* a, size_t) const override {
    return a[0].is_null() ? s : AddValues(s, a[0], false);
  }
  bool can_undo() const override { return true; }
  Value Undo(const Value& s, const Value* a, size_t) const override {
    return a[0].is_null() ? s : AddValues(s, a[0], true);
  }
  Value Merge(const Value& x, const Value& y) const override { return AddValues(x, y, false); }
  Value Result(const Value& s) const override { return s; }

 private:
  static Value Zero(const Type& t) {
    switch (t.kind) {
      case TypeKind::kInt: return Value::Int(0);
      case TypeKind::kBigint: return Value::Bigint(0);
      case TypeKind::kDouble: return Value::Double(0);
      default: return Value::Dec(Decimal{0, t.scale});
    }
  }
  Value zero_;
};

class MinMaxAggregator final : public Aggregator {
 public:
  MinMaxAggregator(TypePtr t, bool max) : Aggregator(std::move(t)), max_(max) {}
  Value Init() const override { return Value(); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override {
    if (a[0].is_null()) return s;
    if (s.is_null()) return a[0];
    int c = CompareValues(a[0], s);
    return (max_ ? c > 0 : c < 0) ? a[0] : s;
  }
  Value Merge(const Value& x, const Value& y) const override { return Accumulate(x, &y, 1); }
  Value Result(const Value& s) const override { return s; }

 private:
  bool max_;
};

// AVG: state {SUM, COUNT}; the result is a DOUBLE.
class AvgAggregator final : public Aggregator {
 public:
  AvgAggregator() : Aggregator(Type::Double()) {}
  Value Init() const override { return Value::Struct({Value::Double(0), Value::Bigint(0)}); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override {
    if (a[0].is_null()) return s;
    const auto& f = s.as_struct();
    return Value::Struct({Value::Double(f[0].as_double() + a[0].ToDouble()), Value::Bigint(f[1].as_bigint() + 1)});
  }
  bool can_undo() const override { return true; }
  Value Undo(const Value& s, const Value* a, size_t) const override {
    if (a[0].is_null()) return s;
    const auto& f = s.as_struct();
    return Value::Struct({Value::Double(f[0].as_double() - a[0].ToDouble()), Value::Bigint(f[1].as_bigint() - 1)});
  }
  Value Result(const Value& s) const override {
    const auto& f = s.as_struct();
    if (f[1].as_bigint() == 0) return Value();
    return Value::Double(f[0].as_double() / static_cast<double>(f[1].as_bigint()));
  }
};

// LATEST_BY_OFFSET / EARLIEST_BY_OFFSET. The state is {SEQ, VAL}: SEQ orders records by when
// they were processed (offset order within a partition), so merges keep the right one.
std::atomic<int64_t> g_offset_sequence{0};

class ByOffsetAggregator final : public Aggregator {
 public:
  ByOffsetAggregator(TypePtr t, bool latest, bool ignore_nulls)
      : Aggregator(std::move(t)), latest_(latest), ignore_nulls_(ignore_nulls) {}
  Value Init() const override { return Value(); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override {
    if (ignore_nulls_ && a[0].is_null()) return s;
    if (!latest_ && !s.is_null()) return s;
    return Value::Struct({Value::Bigint(g_offset_sequence.fetch_add(1, std::memory_order_relaxed)), a[0]});
  }
  Value Merge(const Value& x, const Value& y) const override {
    if (x.is_null()) return y;
    if (y.is_null()) return x;
    bool y_later = y.as_struct()[0].as_bigint() > x.as_struct()[0].as_bigint();
    return (y_later == latest_) ? y : x;
  }
  Value Result(const Value& s) const override { return s.is_null() ? s : s.as_struct()[1]; }

 private:
  bool latest_;
  bool ignore_nulls_;
};

// The N variants: the last (or first) N values, oldest first. As in ksqlDB, each value keeps
// the sequence number of its record, so that a session merge can order the values of two
// sessions: it concatenates them, sorts by sequence (stable) and keeps the first N, for
// LATEST_BY_OFFSET too (ksqlDB's merge keeps the oldest N there as well).
// State: STRUCT<ITEMS ARRAY<STRUCT<SEQ BIGINT, VAL T>>>. Stores written before the sequence
// numbers were kept hold a plain ARRAY<T>; such a state is read with fresh numbers in its order.
class ByOffsetNAggregator final : public Aggregator {
 public:
  ByOffsetNAggregator(TypePtr t, bool latest, int64_t n, bool ignore_nulls)
      : Aggregator(Type::Array(std::move(t))), latest_(latest), n_(n), ignore_nulls_(ignore_nulls) {}
  Value Init() const override { return Value::Struct({Value::Array({})}); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override {
    if (ignore_nulls_ && a[0].is_null()) return s;
    ValueList items = Items(s);
    if (!latest_ && static_cast<int64_t>(items.size()) >= n_) return s;
    items.push_back(Value::Struct({Value::Bigint(g_offset_sequence.fetch_add(1, std::memory_order_relaxed)), a[0]}));
    if (static_cast<int64_t>(items.size()) > n_) items.erase(items.begin());
    return Value::Struct({Value::Array(std::move(items))});
  }
  Value Merge(const Value& x, const Value& y) const override {
    ValueList items = Items(x);
    ValueList more = Items(y);
    items.insert(items.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    std::stable_sort(items.begin(), items.end(), [](const Value& p, const Value& q) {
      return SequenceBefore(p.as_struct()[0].as_bigint(), q.as_struct()[0].as_bigint());
    });
    if (static_cast<int64_t>(items.size()) > n_) items.resize(static_cast<size_t>(n_));
    return Value::Struct({Value::Array(std::move(items))});
  }
  Value Result(const Value& s) const override {
    if (s.is_array()) return s;  // the older layout holds the values themselves
    ValueList out;
    for (const Value& e : s.as_struct()[0].as_array()) out.push_back(e.as_struct()[1]);
    return Value::Array(std::move(out));
  }

 private:
  // ksqlDB's comparator: a negative sequence against a non-negative one is taken to have
  // wrapped around, so it is the later one.
  static bool SequenceBefore(int64_t a, int64_t b) {
    if ((a < 0) != (b < 0)) return b < 0;
    return a < b;
  }
  static ValueList Items(const Value& s) {
    if (!s.is_array()) return s.as_struct()[0].as_array();
    ValueList out;
    for (const Value& v : s.as_array())
      out.push_back(Value::Struct({Value::Bigint(g_offset_sequence.fetch_add(1, std::memory_order_relaxed)), v}));
    return out;
  }
  bool latest_;
  int64_t n_;
  bool ignore_nulls_;
};

AggregateFunction ByOffset(bool latest) {
  std::string name = latest ? "LATEST_BY_OFFSET" : "EARLIEST_BY_OFFSET";
  AggregateFunction f;
  f.name = name;
  f.signatures = name + "(col [, ignoreNulls BOOLEAN]) | " + name + "(col, n INT [, ignoreNulls BOOLEAN])";
  f.description = latest ? "The value of the most recently processed record (offset order, not event time)."
                         : "The value of the first processed record.";
  f.example = name + "(LAT)";
  f.stream_only = true;
  f.complex_state = true;
  f.bind = [name, latest](const std::vector<TypePtr>& t, const std::vector<const Value*>& c,
                          size_t* input_args) -> Result<std::unique_ptr<Aggregator>> {
    *input_args = 1;
    if (t.empty() || t.size() > 3) return builtin::NoOverload(name, t);
    bool ignore_nulls = true;
    if (t.size() == 2 && t[1]->kind == TypeKind::kBoolean) {
      if (!c[1]) return Status::Invalid(fmt::format("{}: ignoreNulls must be a literal", name));
      ignore_nulls = c[1]->is_null() ? true : c[1]->as_bool();
      return std::unique_ptr<Aggregator>(std::make_unique<ByOffsetAggregator>(t[0], latest, ignore_nulls));
    }
    if (t.size() >= 2) {
      if ((t[1]->kind != TypeKind::kInt && t[1]->kind != TypeKind::kBigint) || !c[1] || c[1]->is_null())
        return builtin::NoOverload(name, t);
      int64_t n = c[1]->ToInt64();
      if (n <= 0) return Status::Invalid(fmt::format("{}: n must be a positive integer, was {}", name, n));
      if (t.size() == 3) {
        if (t[2]->kind != TypeKind::kBoolean || !c[2]) return builtin::NoOverload(name, t);
        ignore_nulls = c[2]->is_null() ? true : c[2]->as_bool();
      }
      return std::unique_ptr<Aggregator>(std::make_unique<ByOffsetNAggregator>(t[0], latest, n, ignore_nulls));
    }
    return std::unique_ptr<Aggregator>(std::make_unique<ByOffsetAggregator>(t[0], latest, true));
  };
  return f;
}

// COLLECT_LIST / COLLECT_SET: every value (NULLs included) in arrival order, as an ARRAY; the
// set keeps the first of equal values. As in ksqlDB, ksql.functions.collect_list.limit /
// ksql.functions.collect_set.limit caps the array (values beyond it are ignored); unset or
// negative means no cap (Integer.MAX_VALUE).
class CollectAggregator final : public Aggregator {
 public:
  CollectAggregator(TypePtr element, bool distinct)
      : Aggregator(Type::Array(std::move(element))), distinct_(distinct) {}
  Status Configure(const std::map<std::string, std::string>& properties) override {
    const char* key = distinct_ ? "ksql.functions.collect_set.limit" : "ksql.functions.collect_list.limit";
    auto it = properties.find(key);
    if (it == properties.end()) return Status::Ok();
    std::optional<int32_t> limit = JavaParseInt(it->second);  // Integer.parseInt, as ksqlDB reads it
    if (!limit) return Status::Invalid(fmt::format("Invalid value for {}: For input string: \"{}\"", key, it->second));
    limit_ = *limit < 0 ? std::numeric_limits<int32_t>::max() : static_cast<size_t>(*limit);
    return Status::Ok();
  }
  Value Init() const override { return Value::Array({}); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override {
    const ValueList& items = s.as_array();
    if (items.size() >= limit_) return s;
    if (distinct_)
      for (const Value& e : items)
        if (builtin::JavaEquals(e, a[0])) return s;
    ValueList out = items;
    out.push_back(a[0]);
    return Value::Array(std::move(out));
  }
  bool can_undo() const override { return true; }
  Value Undo(const Value& s, const Value* a, size_t) const override {
    ValueList out = s.as_array();
    auto it = std::find_if(out.rbegin(), out.rend(), [&](const Value& e) { return builtin::JavaEquals(e, a[0]); });
    if (it == out.rend()) return s;
    out.erase(std::next(it).base());
    return Value::Array(std::move(out));
  }
  // ksqlDB: the first state, then the second's values while there is room (the set skips
  // values it has).
  Value Merge(const Value& x, const Value& y) const override {
    Value out = x;
    for (const Value& v : y.as_array()) out = Accumulate(out, &v, 1);
    return out;
  }
  Value Result(const Value& s) const override { return s; }

 private:
  size_t limit_ = std::numeric_limits<int32_t>::max();
  bool distinct_;
};


// TOPK(col, k) / TOPK(col, other..., k): the k largest non-NULL values of col, largest first;
// with other columns, STRUCT<sort_col, col0, ...> rows ordered by sort_col alone (ties keep
// arrival order, as ksqlDB's stable sort does). TOPKDISTINCT keeps each value once.
class TopKAggregator final : public Aggregator {
 public:
  TopKAggregator(TypePtr out_element, int64_t k, bool with_struct, bool distinct)
      : Aggregator(Type::Array(std::move(out_element))), k_(static_cast<size_t>(k)), struct_(with_struct),
        distinct_(distinct) {}
  Value Init() const override { return Value::Array({}); }
  Value Accumulate(const Value& s, const Value* a, size_t n) const override {
    if (a[0].is_null()) return s;
    const ValueList& items = s.as_array();
    if (distinct_)
      for (const Value& e : items)
        if (CompareValues(e, a[0]) == 0) return s;
    if (items.size() == k_ && !items.empty() && CompareValues(SortKey(a[0]), SortKey(items.back())) <= 0) return s;
    ValueList out = items;
    Value entry = a[0];
    if (struct_) {
      ValueList fields(a, a + n);
      entry = Value::Struct(std::move(fields));
    }
    if (out.size() == k_) out.back() = std::move(entry);
    else out.push_back(std::move(entry));
    std::stable_sort(out.begin(), out.end(),
                     [](const Value& x, const Value& y) { return CompareValues(SortKey(x), SortKey(y)) > 0; });
    return Value::Array(std::move(out));
  }
  Value Merge(const Value& x, const Value& y) const override {
    ValueList out;
    const ValueList &a = x.as_array(), &b = y.as_array();
    size_t i = 0, j = 0;
    while (out.size() < k_ && (i < a.size() || j < b.size())) {
      const Value* next;
      if (j >= b.size() || (i < a.size() && CompareValues(SortKey(a[i]), SortKey(b[j])) >= 0)) next = &a[i++];
      else next = &b[j++];
      if (distinct_ && !out.empty() && CompareValues(out.back(), *next) == 0) continue;
      out.push_back(*next);
    }
    return Value::Array(std::move(out));
  }
  Value Result(const Value& s) const override { return s; }

 private:
  static const Value& SortKey(const Value& v) { return v.is_struct() ? v.as_struct()[0] : v; }
  size_t k_;
  bool struct_;
  bool distinct_;
};

bool Sortable(const Type& t) {
  switch (t.kind) {
    case TypeKind::kInt: case TypeKind::kBigint: case TypeKind::kDouble: case TypeKind::kDecimal:
    case TypeKind::kString: case TypeKind::kBytes: case TypeKind::kDate: case TypeKind::kTime:
    case TypeKind::kTimestamp:
      return true;
    default:
      return false;
  }
}

AggregateFunction TopK(bool distinct) {
  AggregateFunction f;
  f.name = distinct ? "TOPKDISTINCT" : "TOPK";
  f.signatures = distinct ? "TOPKDISTINCT(col, k INT)" : "TOPK(col, k INT) | TOPK(sort_col, col0, ..., k INT)";
  f.description = distinct
                      ? "The k largest distinct non-NULL values, largest first, as an ARRAY."
                      : "The k largest non-NULL values, largest first, as an ARRAY; with more columns, an ARRAY of "
                        "STRUCT<sort_col, col0, ...> ordered by the first column.";
  f.example = f.name + "(SCORE, 3)";
  f.complex_state = true;
  f.bind = [distinct, name = f.name](const std::vector<TypePtr>& t, const std::vector<const Value*>& c,
                                     size_t* input_args) -> Result<std::unique_ptr<Aggregator>> {
    if (t.size() < 2 || (distinct && t.size() != 2)) return builtin::NoOverload(name, t);
    const size_t last = t.size() - 1;
    *input_args = last;
    if (!t[last] || (t[last]->kind != TypeKind::kInt && t[last]->kind != TypeKind::kBigint))
      return builtin::NoOverload(name, t);
    if (!c[last] || c[last]->is_null())
      return Status::Invalid(fmt::format("Parameter {} passed to function {} must be a literal constant", last + 1, name));
    for (size_t i = 0; i < last; ++i)
      if (!t[i]) return builtin::NoOverload(name, t);
    if (!Sortable(*t[0])) return builtin::NoOverload(name, t);
    int64_t k = c[last]->ToInt64();
    if (k <= 0) return Status::Invalid(fmt::format("{}: k must be a positive integer, was {}", name, k));
    TypePtr element = t[0];
    if (last > 1) {
      std::vector<StructField> fields{{"sort_col", t[0]}};
      for (size_t i = 1; i < last; ++i) fields.push_back({fmt::format("col{}", i - 1), t[i]});
      element = Type::Struct(std::move(fields));
    }
    return std::unique_ptr<Aggregator>(std::make_unique<TopKAggregator>(element, k, last > 1, distinct));
  };
  return f;
}

// CORRELATION(x, y): Pearson's coefficient from {X_SUM, Y_SUM, X_SQUARED_SUM, Y_SQUARED_SUM,
// XY_SUM, COUNT}; rows where x or y is NULL are left out. One row gives NaN (0 / 0), as ksqlDB.
class CorrelationAggregator final : public Aggregator {
 public:
  CorrelationAggregator() : Aggregator(Type::Double()) {}
  Value Init() const override { return Make(0, 0, 0, 0, 0, 0); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override { return Fold(s, a, 1); }
  bool can_undo() const override { return true; }
  Value Undo(const Value& s, const Value* a, size_t) const override { return Fold(s, a, -1); }
  Value Merge(const Value& x, const Value& y) const override {
    const auto &p = x.as_struct(), &q = y.as_struct();
    return Make(D(p, 0) + D(q, 0), D(p, 1) + D(q, 1), D(p, 2) + D(q, 2), D(p, 3) + D(q, 3), D(p, 4) + D(q, 4),
                p[5].as_bigint() + q[5].as_bigint());
  }
  Value Result(const Value& s) const override {
    const auto& f = s.as_struct();
    const double n = static_cast<double>(f[5].as_bigint());
    const double sx = D(f, 0), sy = D(f, 1), sxx = D(f, 2), syy = D(f, 3), sxy = D(f, 4);
    const double numerator = n * sxy - sx * sy;
    const double denominator = std::sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
    return Value::Double(numerator / denominator);
  }

 private:
  static double D(const ValueList& f, size_t i) { return f[i].as_double(); }
  static Value Make(double sx, double sy, double sxx, double syy, double sxy, int64_t n) {
    return Value::Struct({Value::Double(sx), Value::Double(sy), Value::Double(sxx), Value::Double(syy),
                          Value::Double(sxy), Value::Bigint(n)});
  }
  static Value Fold(const Value& s, const Value* a, int sign) {
    if (a[0].is_null() || a[1].is_null()) return s;
    const auto& f = s.as_struct();
    const double x = a[0].ToDouble(), y = a[1].ToDouble();
    return Make(D(f, 0) + sign * x, D(f, 1) + sign * y, D(f, 2) + sign * x * x, D(f, 3) + sign * y * y,
                D(f, 4) + sign * x * y, f[5].as_bigint() + sign);
  }
};

// STDDEV_SAMPLE / STDDEV_SAMP: Youngs-Cramer over {SUM, COUNT, M2}, with the SUM of the input's
// type and ksqlDB's integer arithmetic for INT and BIGINT inputs. STDDEV_SAMPLE is the sample
// standard deviation; STDDEV_SAMP returns M2 / (COUNT - 1), the sample variance, exactly as
// ksqlDB does. Fewer than two values give 0.0.
class StdDevAggregator final : public Aggregator {
 public:
  StdDevAggregator(TypeKind kind, bool sqrt_result) : Aggregator(Type::Double()), kind_(kind), sqrt_(sqrt_result) {}
  Value Init() const override { return Make(Zero(), 0, 0.0); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override {
    if (a[0].is_null()) return s;
    const auto& f = s.as_struct();
    const int64_t count = f[1].as_bigint();
    const int64_t new_count = count + 1;
    double m2 = 0;
    if (count > 0) {
      const double delta = Delta(f[0], count, a[0]);
      m2 = delta * delta / CountProduct(new_count, count);
    }
    return Make(Add(f[0], a[0], false), new_count, f[2].as_double() + m2);
  }
  bool can_undo() const override { return true; }
  Value Undo(const Value& s, const Value* a, size_t) const override {
    if (a[0].is_null()) return s;
    const auto& f = s.as_struct();
    const int64_t new_count = f[1].as_bigint() - 1;
    double m2 = 0;
    if (new_count > 0) {
      const double delta = Delta(f[0], f[1].as_bigint(), a[0]);
      m2 = delta * delta / CountProduct(new_count, new_count + 1);
    }
    return Make(Add(f[0], a[0], true), new_count, f[2].as_double() - m2);
  }
  Value Merge(const Value& x, const Value& y) const override {
    const auto &p = x.as_struct(), &q = y.as_struct();
    const int64_t c1 = p[1].as_bigint(), c2 = q[1].as_bigint();
    double m2 = p[2].as_double() + q[2].as_double();
    if (c1 != 0 && c2 != 0) {
      double inner;
      if (kind_ == TypeKind::kDouble || sqrt_) inner = p[0].ToDouble() / c1 - q[0].ToDouble() / c2;
      else inner = static_cast<double>(p[0].ToInt64() / c1 - q[0].ToInt64() / c2);  // STDDEV_SAMP: integer division
      m2 += static_cast<double>(c1 * c2) * inner * inner / static_cast<double>(c1 + c2);
    }
    return Make(Add(p[0], q[0], false), c1 + c2, m2);
  }
  Value Result(const Value& s) const override {
    const auto& f = s.as_struct();
    const int64_t count = f[1].as_bigint();
    if (count < 2) return Value::Double(0.0);
    const double variance = f[2].as_double() / static_cast<double>(count - 1);
    return Value::Double(sqrt_ ? std::sqrt(variance) : variance);
  }

 private:
  Value Zero() const {
    return kind_ == TypeKind::kInt ? Value::Int(0) : kind_ == TypeKind::kBigint ? Value::Bigint(0) : Value::Double(0);
  }
  static Value Make(Value sum, int64_t count, double m2) {
    return Value::Struct({std::move(sum), Value::Bigint(count), Value::Double(m2)});
  }
  Value Add(const Value& sum, const Value& v, bool subtract) const {
    if (kind_ == TypeKind::kDouble) return Value::Double(subtract ? sum.as_double() - v.ToDouble() : sum.as_double() + v.ToDouble());
    return AddValues(sum, kind_ == TypeKind::kInt ? v : Value::Bigint(v.ToInt64()), subtract);
  }
  // value * (count + 1) - (sum + value), in the input type's arithmetic. STDDEV_SAMP keeps an
  // INT count, so its INT products wrap at 32 bits; STDDEV_SAMPLE's BIGINT count widens them.
  double Delta(const Value& sum, int64_t count, const Value& v) const {
    if (kind_ == TypeKind::kDouble) return v.ToDouble() * static_cast<double>(count + 1) - (sum.as_double() + v.ToDouble());
    if (kind_ == TypeKind::kInt && !sqrt_) {
      uint32_t x = static_cast<uint32_t>(v.as_int());
      uint32_t r = x * static_cast<uint32_t>(count + 1) - (static_cast<uint32_t>(sum.as_int()) + x);
      return static_cast<double>(static_cast<int32_t>(r));
    }
    const uint64_t x = static_cast<uint64_t>(v.ToInt64());
    uint64_t sm;
    if (kind_ == TypeKind::kInt)  // an INT sum plus an INT value wraps at 32 bits before widening
      sm = static_cast<uint64_t>(static_cast<int64_t>(
          static_cast<int32_t>(static_cast<uint32_t>(sum.as_int()) + static_cast<uint32_t>(v.as_int()))));
    else
      sm = static_cast<uint64_t>(sum.as_bigint()) + x;
    return static_cast<double>(static_cast<int64_t>(x * static_cast<uint64_t>(count + 1) - sm));
  }
  double CountProduct(int64_t a, int64_t b) const {
    if (!sqrt_) return static_cast<double>(static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b)));
    return static_cast<double>(a * b);
  }
  TypeKind kind_;
  bool sqrt_;
};

// HISTOGRAM(col STRING): MAP<STRING, BIGINT> of how often each value occurs, at most 1000
// distinct values (later new ones are ignored); undo drops a value whose count reaches 0.
class HistogramAggregator final : public Aggregator {
 public:
  HistogramAggregator() : Aggregator(Type::Map(Type::String(), Type::Bigint())) {}
  Value Init() const override { return Value::Map({}); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override { return Add(s, a[0], 1); }
  bool can_undo() const override { return true; }
  Value Undo(const Value& s, const Value* a, size_t) const override {
    auto entries = s.as_map();
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      if (!(it->first == a[0])) continue;
      int64_t n = it->second.as_bigint() - 1;
      if (n < 1) entries.erase(it);
      else it->second = Value::Bigint(n);
      return Value::Map(std::move(entries));
    }
    return s;
  }
  Value Merge(const Value& x, const Value& y) const override {
    Value out = x;
    for (const auto& [k, v] : y.as_map()) out = Add(out, k, v.as_bigint());
    return out;
  }
  Value Result(const Value& s) const override { return s; }

 private:
  static Value Add(const Value& s, const Value& key, int64_t n) {
    auto entries = s.as_map();
    for (auto& [k, v] : entries) {
      if (k == key) {
        v = Value::Bigint(v.as_bigint() + n);
        return Value::Map(std::move(entries));
      }
    }
    if (entries.size() >= kLimit) return s;
    entries.emplace_back(key, Value::Bigint(n));
    return Value::Map(std::move(entries));
  }
  static constexpr size_t kLimit = 1000;
};

// COUNT_DISTINCT: a HyperLogLog estimate over 2^14 one-byte registers (ksqlDB's precision:
// typical error under 1%), with linear counting for small cardinalities. The registers are a
// BYTES state. Estimates match ksqlDB's for small sets; large ones may differ slightly since
// the hash is eddy's own.
class CountDistinctAggregator final : public Aggregator {
 public:
  CountDistinctAggregator() : Aggregator(Type::Bigint()) {}
  Value Init() const override { return Value::Blob(std::string(kM, '\0')); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override {
    if (a[0].is_null()) return s;
    uint64_t h = static_cast<uint64_t>(HashValue(a[0]));
    h ^= h >> 33; h *= 0xff51afd7ed558ccdULL; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53ULL; h ^= h >> 33;
    const uint32_t x = static_cast<uint32_t>(h);
    const uint32_t j = x >> (32 - kLog2M);
    const uint32_t w = (x << kLog2M) | ((1u << (kLog2M - 1)) + 1);
    const uint8_t r = static_cast<uint8_t>(__builtin_clz(w) + 1);
    const std::string& regs = s.as_bytes();
    if (static_cast<uint8_t>(regs[j]) >= r) return s;
    std::string out = regs;
    out[j] = static_cast<char>(r);
    return Value::Blob(std::move(out));
  }
  Value Merge(const Value& x, const Value& y) const override {
    std::string out = x.as_bytes();
    const std::string& other = y.as_bytes();
    for (size_t i = 0; i < kM && i < other.size(); ++i) out[i] = std::max(out[i], other[i]);
    return Value::Blob(std::move(out));
  }
  Value Result(const Value& s) const override {
    const std::string& regs = s.as_bytes();
    double sum = 0, zeros = 0;
    for (char c : regs) {
      const int v = static_cast<uint8_t>(c);
      sum += 1.0 / static_cast<double>(1ULL << v);
      if (v == 0) ++zeros;
    }
    const double m = static_cast<double>(kM);
    const double estimate = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
    if (estimate <= 2.5 * m) return Value::Bigint(std::llround(m * std::log(m / zeros)));
    return Value::Bigint(std::llround(estimate));
  }

 private:
  static constexpr int kLog2M = 14;
  static constexpr size_t kM = size_t{1} << kLog2M;
};

// SUM_LIST(list ARRAY<INT|BIGINT|DOUBLE>): the sum of every non-NULL element of every list.
class SumListAggregator final : public Aggregator {
 public:
  explicit SumListAggregator(TypePtr t) : Aggregator(t), zero_(t->kind == TypeKind::kInt ? Value::Int(0)
                                                                 : t->kind == TypeKind::kBigint ? Value::Bigint(0)
                                                                                                : Value::Double(0)) {}
  Value Init() const override { return zero_; }
  Value Accumulate(const Value& s, const Value* a, size_t) const override { return Fold(s, a[0], false); }
  bool can_undo() const override { return true; }
  Value Undo(const Value& s, const Value* a, size_t) const override { return Fold(s, a[0], true); }
  Value Merge(const Value& x, const Value& y) const override { return AddValues(x, y, false); }
  Value Result(const Value& s) const override { return s; }

 private:
  Value Fold(const Value& s, const Value& list, bool subtract) const {
    if (list.is_null()) return s;
    Value sum = zero_;
    for (const Value& v : list.as_array())
      if (!v.is_null()) sum = AddValues(sum, v, false);
    return AddValues(s, sum, subtract);
  }
  Value zero_;
};


// ATTR(col): the one value of the group, or NULL when the group holds more than one distinct
// value. State: [{VALUE, COUNT}...] per distinct value, NULL included; undo lowers a count
// (never below 0) and a value whose count is 0 no longer counts.
class AttrAggregator final : public Aggregator {
 public:
  explicit AttrAggregator(TypePtr t) : Aggregator(std::move(t)) {}
  Value Init() const override { return Value::Array({}); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override { return Update(s, a[0], 1); }
  bool can_undo() const override { return true; }
  Value Undo(const Value& s, const Value* a, size_t) const override { return Update(s, a[0], -1); }
  Value Merge(const Value& x, const Value& y) const override {
    Value out = x;
    for (const Value& e : y.as_array()) out = Update(out, e.as_struct()[0], e.as_struct()[1].as_int());
    return out;
  }
  Value Result(const Value& s) const override {
    const Value* only = nullptr;
    for (const Value& e : s.as_array()) {
      if (e.as_struct()[1].as_int() <= 0) continue;
      if (only) return Value();
      only = &e.as_struct()[0];
    }
    return only ? *only : Value();
  }

 private:
  static Value Update(const Value& s, const Value& v, int32_t n) {
    ValueList out = s.as_array();
    for (Value& e : out) {
      if (!builtin::JavaEquals(e.as_struct()[0], v)) continue;
      e = Value::Struct({e.as_struct()[0], Value::Int(std::max(0, e.as_struct()[1].as_int() + n))});
      return Value::Array(std::move(out));
    }
    if (n > 0) out.push_back(Value::Struct({v, Value::Int(n)}));
    return Value::Array(std::move(out));
  }
};


// A one-argument aggregate: `accepts` checks the argument's type, `make` builds the aggregator.
template <typename Make>
AggregateFunction OneArg(std::string name, std::string signatures, std::string description, std::string example,
                         bool complex_state, std::function<bool(const Type&)> accepts, Make make) {
  AggregateFunction f;
  f.name = name;
  f.signatures = std::move(signatures);
  f.description = std::move(description);
  f.example = std::move(example);
  f.complex_state = complex_state;
  f.bind = [name, accepts = std::move(accepts), make](const std::vector<TypePtr>& t, const std::vector<const Value*>&,
                                                      size_t* input_args) -> Result<std::unique_ptr<Aggregator>> {
    *input_args = 1;
    if (t.size() != 1 || !t[0] || !accepts(*t[0])) return builtin::NoOverload(name, t);
    return std::unique_ptr<Aggregator>(make(t[0]));
  };
  return f;
}

}  // namespace

void RegisterAggregateFunctions(FunctionRegistry& r) {
  AggregateFunction count;
  count.name = "COUNT";
  count.signatures = "COUNT(*) | COUNT(col)";
  count.description = "The number of rows (COUNT(*)) or of non-NULL values of col.";
  count.example = "COUNT(*)";
  count.bind = [](const std::vector<TypePtr>& t, const std::vector<const Value*>&,
                  size_t* input_args) -> Result<std::unique_ptr<Aggregator>> {
    *input_args = t.size();
    return std::unique_ptr<Aggregator>(std::make_unique<CountAggregator>(t.empty()));
  };
  r.AddAggregate(std::move(count));

  AggregateFunction sum;
  sum.name = "SUM";
  sum.signatures = "SUM(col INT|BIGINT|DOUBLE|DECIMAL)";
  sum.description = "The sum of the non-NULL values, of the column's type.";
  sum.example = "SUM(PRICE)";
  sum.bind = [](const std::vector<TypePtr>& t, const std::vector<const Value*>&,
                size_t* input_args) -> Result<std::unique_ptr<Aggregator>> {
    *input_args = 1;
    if (t.size() != 1 || !t[0]->IsNumeric()) return builtin::NoOverload("SUM", t);
    return std::unique_ptr<Aggregator>(std::make_unique<SumAggregator>(t[0]));
  };
  r.AddAggregate(std::move(sum));

  for (bool max : {false, true}) {
    AggregateFunction f;
    f.name = max ? "MAX" : "MIN";
    f.signatures = f.name + "(col)";
    f.description = max ? "The largest non-NULL value." : "The smallest non-NULL value.";
    f.example = f.name + "(PRICE)";
    f.bind = [max, name = f.name](const std::vector<TypePtr>& t, const std::vector<const Value*>&,
                                  size_t* input_args) -> Result<std::unique_ptr<Aggregator>> {
      *input_args = 1;
      if (t.size() != 1 || !t[0]->IsPrimitive() || t[0]->kind == TypeKind::kBoolean) return builtin::NoOverload(name, t);
      return std::unique_ptr<Aggregator>(std::make_unique<MinMaxAggregator>(t[0], max));
    };
    r.AddAggregate(std::move(f));
  }

  AggregateFunction avg;
  avg.name = "AVG";
  avg.signatures = "AVG(col INT|BIGINT|DOUBLE|DECIMAL)";
  avg.description = "The mean of the non-NULL values, as a DOUBLE.";
  avg.example = "AVG(RATING)";
  avg.complex_state = true;
  avg.bind = [](const std::vector<TypePtr>& t, const std::vector<const Value*>&,
                size_t* input_args) -> Result<std::unique_ptr<Aggregator>> {
    *input_args = 1;
    if (t.size() != 1 || !t[0]->IsNumeric()) return builtin::NoOverload("AVG", t);
    return std::unique_ptr<Aggregator>(std::make_unique<AvgAggregator>());
  };
  r.AddAggregate(std::move(avg));

  r.AddAggregate(ByOffset(true));
  r.AddAggregate(ByOffset(false));

  for (bool distinct : {false, true}) {
    AggregateFunction f;
    f.name = distinct ? "COLLECT_SET" : "COLLECT_LIST";
    f.signatures = f.name + "(col T)";
    f.description = distinct ? "The distinct values, NULL included, in first-seen order, as an ARRAY; at most "
                               "ksql.functions.collect_set.limit values when that property is set."
                             : "Every value, NULL included, in arrival order, as an ARRAY; at most "
                               "ksql.functions.collect_list.limit values when that property is set.";
    f.example = f.name + "(PRICE)";
    f.complex_state = true;
    f.bind = [distinct, name = f.name](const std::vector<TypePtr>& t, const std::vector<const Value*>&,
                                       size_t* input_args) -> Result<std::unique_ptr<Aggregator>> {
      *input_args = 1;
      if (t.size() != 1 || !t[0]) return builtin::NoOverload(name, t);
      return std::unique_ptr<Aggregator>(std::make_unique<CollectAggregator>(t[0], distinct));
    };
    r.AddAggregate(std::move(f));
  }

  r.AddAggregate(TopK(false));
  r.AddAggregate(TopK(true));

  AggregateFunction corr;
  corr.name = "CORRELATION";
  corr.signatures = "CORRELATION(x DOUBLE, y DOUBLE)";
  corr.description = "Pearson's correlation coefficient of x and y over the rows where both are non-NULL; NaN "
                     "until it is defined.";
  corr.example = "CORRELATION(HEIGHT, WEIGHT)";
  corr.complex_state = true;
  corr.bind = [](const std::vector<TypePtr>& t, const std::vector<const Value*>&,
                 size_t* input_args) -> Result<std::unique_ptr<Aggregator>> {
    *input_args = 2;
    auto numeric = [](const TypePtr& x) {
      return x && (x->kind == TypeKind::kInt || x->kind == TypeKind::kBigint || x->kind == TypeKind::kDouble);
    };
    if (t.size() != 2 || !numeric(t[0]) || !numeric(t[1])) return builtin::NoOverload("correlation", t);
    return std::unique_ptr<Aggregator>(std::make_unique<CorrelationAggregator>());
  };
  r.AddAggregate(std::move(corr));

  auto numeric = [](const Type& t) {
    return t.kind == TypeKind::kInt || t.kind == TypeKind::kBigint || t.kind == TypeKind::kDouble;
  };
  r.AddAggregate(OneArg("STDDEV_SAMPLE", "STDDEV_SAMPLE(col INT|BIGINT|DOUBLE)",
                        "The sample standard deviation of the non-NULL values; 0.0 for fewer than two.",
                        "STDDEV_SAMPLE(PRICE)", true, numeric,
                        [](const TypePtr& t) { return std::make_unique<StdDevAggregator>(t->kind, true); }));
  r.AddAggregate(OneArg("STDDEV_SAMP", "STDDEV_SAMP(col INT|BIGINT|DOUBLE)",
                        "What ksqlDB's STDDEV_SAMP returns: the sample variance (the square of the sample standard "
                        "deviation) of the non-NULL values; 0.0 for fewer than two.",
                        "STDDEV_SAMP(PRICE)", true, numeric,
                        [](const TypePtr& t) { return std::make_unique<StdDevAggregator>(t->kind, false); }));
  r.AddAggregate(OneArg("HISTOGRAM", "HISTOGRAM(col STRING)",
                        "A MAP from each distinct value to how many times it occurs, at most 1000 entries (later new "
                        "values are ignored).",
                        "HISTOGRAM(COLOR)", true, [](const Type& t) { return t.kind == TypeKind::kString; },
                        [](const TypePtr&) { return std::make_unique<HistogramAggregator>(); }));
  r.AddAggregate(OneArg("COUNT_DISTINCT", "COUNT_DISTINCT(col)",
                        "An estimate of the number of distinct non-NULL values (HyperLogLog; typical error under 1%, "
                        "exact for small counts).",
                        "COUNT_DISTINCT(USER_ID)", true, [](const Type&) { return true; },
                        [](const TypePtr&) { return std::make_unique<CountDistinctAggregator>(); }));
  r.AddAggregate(OneArg("SUM_LIST", "SUM_LIST(list ARRAY<INT|BIGINT|DOUBLE>)",
                        "The sum of the non-NULL elements of every list, of the element type.", "SUM_LIST(AMOUNTS)",
                        false, [numeric](const Type& t) { return t.kind == TypeKind::kArray && numeric(*t.element); },
                        [](const TypePtr& t) { return std::make_unique<SumListAggregator>(t->element); }));
  r.AddAggregate(OneArg("ATTR", "ATTR(col)",
                        "The group's single value, or NULL when the group holds more than one distinct value (for a "
                        "column that should have one value per key).",
                        "ATTR(REGION)", true, [](const Type&) { return true; },
                        [](const TypePtr& t) { return std::make_unique<AttrAggregator>(t); }));
}

}  // namespace eddy
