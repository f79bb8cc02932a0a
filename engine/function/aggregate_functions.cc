// COUNT, SUM, MIN, MAX, AVG, LATEST_BY_OFFSET, EARLIEST_BY_OFFSET, COLLECT_LIST, COLLECT_SET.
#include <algorithm>
#include <atomic>

#include "engine/common/decimal_ops.h"
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

// The N variants: an array of the last (or first) N values, oldest first.
class ByOffsetNAggregator final : public Aggregator {
 public:
  ByOffsetNAggregator(TypePtr t, bool latest, int64_t n, bool ignore_nulls)
      : Aggregator(Type::Array(std::move(t))), latest_(latest), n_(n), ignore_nulls_(ignore_nulls) {}
  Value Init() const override { return Value::Array({}); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override {
    if (ignore_nulls_ && a[0].is_null()) return s;
    ValueList items = s.as_array();
    if (!latest_ && static_cast<int64_t>(items.size()) >= n_) return s;
    items.push_back(a[0]);
    if (static_cast<int64_t>(items.size()) > n_) items.erase(items.begin());
    return Value::Array(std::move(items));
  }
  Value Result(const Value& s) const override { return s; }

 private:
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
// set keeps the first of equal values. ksqlDB caps both at ksql.functions.collect_{list,set}.limit
// (default 1000) values.
class CollectAggregator final : public Aggregator {
 public:
  CollectAggregator(TypePtr element, bool distinct)
      : Aggregator(Type::Array(std::move(element))), distinct_(distinct) {}
  Value Init() const override { return Value::Array({}); }
  Value Accumulate(const Value& s, const Value* a, size_t) const override {
    const ValueList& items = s.as_array();
    if (items.size() >= kLimit) return s;
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
  Value Merge(const Value& x, const Value& y) const override {
    Value out = x;
    for (const Value& v : y.as_array()) out = Accumulate(out, &v, 1);
    return out;
  }
  Value Result(const Value& s) const override { return s; }

 private:
  static constexpr size_t kLimit = 1000;
  bool distinct_;
};

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
    f.description = distinct ? "The distinct values, NULL included, in first-seen order, as an ARRAY."
                             : "Every value, NULL included, in arrival order, as an ARRAY.";
    f.example = f.name + "(PRICE)";
    f.bind = [distinct, name = f.name](const std::vector<TypePtr>& t, const std::vector<const Value*>&,
                                       size_t* input_args) -> Result<std::unique_ptr<Aggregator>> {
      *input_args = 1;
      if (t.size() != 1 || !t[0]) return builtin::NoOverload(name, t);
      return std::unique_ptr<Aggregator>(std::make_unique<CollectAggregator>(t[0], distinct));
    };
    r.AddAggregate(std::move(f));
  }
}

}  // namespace eddy
