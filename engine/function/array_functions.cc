// ksqlDB's array UDFs (function/udf/array, udf/list): generic over the element type T.
// Elements compare with Java's equals / compareTo; NULL elements are values like any other for
// the set functions and sort last in ARRAY_SORT.
#include <algorithm>

#include "engine/common/java_format.h"
#include "engine/function/builtin_util.h"

namespace eddy {
namespace {

using builtin::Overload;
using builtin::Param;

bool Contains(const ValueList& list, const Value& v) {
  for (const Value& e : list)
    if (builtin::JavaEquals(e, v)) return true;
  return false;
}

void AddDistinct(ValueList& out, const Value& v) {
  if (!Contains(out, v)) out.push_back(v);
}

// An overload over ARRAY<T> (plus extra parameters); `ret` gives the result type from T.
Overload ArrayFn(std::vector<Param> params, std::function<TypePtr(const TypePtr&)> ret, ScalarImpl impl,
                 bool null_on_null = true) {
  Overload o;
  o.params = std::move(params);
  o.make = [ret, impl, null_on_null](const std::vector<TypePtr>&, const TypePtr& t) -> Result<BoundScalar> {
    TypePtr el = t ? t : Type::String();
    return BoundScalar{ret(el), {}, impl, null_on_null};
  };
  return o;
}

TypePtr SameArray(const TypePtr& t) { return Type::Array(t); }
TypePtr Element(const TypePtr& t) { return t; }

template <bool kMax>
Value Extreme(const Value* v, size_t, EvalContext&) {
  const Value* best = nullptr;
  for (const Value& e : v[0].as_array()) {
    if (e.is_null()) continue;
    int c = best ? builtin::JavaCompare(e, *best) : 0;
    if (!best || (kMax ? c > 0 : c < 0)) best = &e;
  }
  return best ? *best : Value();
}

Value Sort(const Value* v, size_t n, EvalContext&) {
  if (v[0].is_null()) return Value();
  bool desc = false;
  if (n > 1) {
    if (v[1].is_null()) return Value();
    std::string d = v[1].as_string();
    for (auto& c : d) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (d == "DESC") desc = true;
    else if (d != "ASC") return Value();
  }
  ValueList out = v[0].as_array();
  std::stable_sort(out.begin(), out.end(), [desc](const Value& a, const Value& b) {
    if (a.is_null() || b.is_null()) return !a.is_null() && b.is_null();  // NULLs last
    int c = builtin::JavaCompare(a, b);
    return desc ? c > 0 : c < 0;
  });
  return Value::Array(std::move(out));
}

Value Distinct(const Value* v, size_t, EvalContext&) {
  ValueList out;
  for (const Value& e : v[0].as_array()) AddDistinct(out, e);
  return Value::Array(std::move(out));
}

Value Union(const Value* v, size_t, EvalContext&) {
  ValueList out;
  for (const Value& e : v[0].as_array()) AddDistinct(out, e);
  for (const Value& e : v[1].as_array()) AddDistinct(out, e);
  return Value::Array(std::move(out));
}

Value Intersect(const Value* v, size_t, EvalContext&) {
  ValueList out;
  for (const Value& e : v[0].as_array())
    if (Contains(v[1].as_array(), e)) AddDistinct(out, e);
  return Value::Array(std::move(out));
}

Value Except(const Value* v, size_t, EvalContext&) {
  ValueList out;
  for (const Value& e : v[0].as_array())
    if (!Contains(v[1].as_array(), e)) AddDistinct(out, e);
  return Value::Array(std::move(out));
}

Value Concat(const Value* v, size_t, EvalContext&) {
  if (v[0].is_null() && v[1].is_null()) return Value();
  if (v[0].is_null()) return v[1];
  if (v[1].is_null()) return v[0];
  ValueList out = v[0].as_array();
  out.insert(out.end(), v[1].as_array().begin(), v[1].as_array().end());
  return Value::Array(std::move(out));
}

Value Remove(const Value* v, size_t, EvalContext&) {
  if (v[0].is_null()) return Value();
  ValueList out;
  for (const Value& e : v[0].as_array())
    if (!builtin::JavaEquals(e, v[1])) out.push_back(e);
  return Value::Array(std::move(out));
}

// Java's String.valueOf of an element.
void AppendElement(const Value& e, std::string& out) {
  if (e.is_null()) out += "null";
  else if (e.is_bool()) out += e.as_bool() ? "true" : "false";
  else if (e.is_int()) out += std::to_string(e.as_int());
  else if (e.is_bigint()) out += std::to_string(e.as_bigint());
  else if (e.is_double()) AppendJavaDouble(e.as_double(), out);
  else if (e.is_decimal()) out += e.as_decimal().ToString();
  else if (e.is_string()) out += e.as_string();
  else out += e.DebugString();
}

Value Join(const Value* v, size_t n, EvalContext&) {
  if (v[0].is_null()) return Value();
  std::string sep = ",";
  if (n > 1) sep = v[1].is_null() ? "" : v[1].as_string();
  std::string out;
  bool first = true;
  for (const Value& e : v[0].as_array()) {
    if (!first) out += sep;
    first = false;
    AppendElement(e, out);
  }
  return Value::String(std::move(out));
}

// SLICE: Java's List.subList(from - 1, to), NULL when out of bounds; a NULL bound means the
// start (end) of the list.
Value Slice(const Value* v, size_t, EvalContext&) {
  if (v[0].is_null()) return Value();
  const ValueList& in = v[0].as_array();
  int64_t start = v[1].is_null() ? 0 : static_cast<int64_t>(v[1].as_int()) - 1;
  int64_t end = v[2].is_null() ? static_cast<int64_t>(in.size()) : v[2].as_int();
  if (start < 0 || end > static_cast<int64_t>(in.size()) || start > end) return Value();
  return Value::Array(ValueList(in.begin() + start, in.begin() + end));
}

// GENERATE_SERIES(start, end [, step]): start, start + step, ... up to end inclusive; the
// default step is 1, or -1 when end < start. A zero step or one pointing away from end fails.
template <typename T>
Value Series(const Value* v, size_t n, EvalContext& ctx) {
  if (v[0].is_null() || v[1].is_null() || (n > 2 && v[2].is_null())) {
    ctx.Fail("GENERATE_SERIES arguments must not be NULL");
    return Value();
  }
  int64_t start = v[0].ToInt64(), end = v[1].ToInt64();
  int64_t step = n > 2 ? v[2].as_int() : (end - start > 0 ? 1 : -1);
  if (step == 0) {
    ctx.Fail("GENERATE_SERIES step cannot be zero");
    return Value();
  }
  int64_t diff = end - start;
  if ((diff > 0 && step < 0) || (diff < 0 && step > 0)) {
    ctx.Fail("GENERATE_SERIES step has wrong sign");
    return Value();
  }
  int64_t size = 1 + diff / step;
  if (size > 10'000'000) {
    ctx.Fail("GENERATE_SERIES would return more than 10000000 elements");
    return Value();
  }
  ValueList out;
  out.reserve(static_cast<size_t>(size));
  int64_t x = start;
  for (int64_t i = 0; i < size; ++i, x += step) {
    if constexpr (sizeof(T) == 4) out.push_back(Value::Int(static_cast<int32_t>(x)));
    else out.push_back(Value::Bigint(x));
  }
  return Value::Array(std::move(out));
}

}  // namespace

bool builtin::JavaEquals(const Value& a, const Value& b) {
  if (a.is_map() && b.is_map()) {
    const auto& x = a.as_map();
    const auto& y = b.as_map();
    if (x.size() != y.size()) return false;
    for (const auto& [k, v] : x) {
      bool found = false;
      for (const auto& [k2, v2] : y) {
        if (JavaEquals(k, k2)) {
          found = JavaEquals(v, v2);
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  if ((a.is_array() && b.is_array()) || (a.is_struct() && b.is_struct())) {
    const ValueList& x = a.is_array() ? a.as_array() : a.as_struct();
    const ValueList& y = b.is_array() ? b.as_array() : b.as_struct();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!JavaEquals(x[i], y[i])) return false;
    return true;
  }
  return a == b;
}

void RegisterArrayFunctions(FunctionRegistry& r) {
  const Param arr = Param::ArrayOfGeneric(), el = Param::Generic(), str = Param::Of(Type::String());
  auto add = [&r](std::string name, std::string sig, std::string desc, std::string example, std::string ksql,
                  std::vector<Overload> o) {
    r.AddScalar({std::move(name), std::move(sig), std::move(desc), std::move(example),
                 builtin::Overloaded(std::move(ksql), std::move(o))});
  };
  add("ARRAY_LENGTH", "ARRAY_LENGTH(a ARRAY<T>)", "The number of elements.", "ARRAY_LENGTH(ARRAY[1, 2]) = 2",
      "array_length", {ArrayFn({arr}, [](const TypePtr&) { return Type::Int(); }, [](const Value* v, size_t, EvalContext&) {
        return Value::Int(static_cast<int32_t>(v[0].as_array().size()));
      })});
  add("ARRAY_MAX", "ARRAY_MAX(a ARRAY<T>)", "The largest non-NULL element, or NULL.", "ARRAY_MAX(ARRAY[1, 3]) = 3",
      "array_max", {ArrayFn({arr}, Element, Extreme<true>)});
  add("ARRAY_MIN", "ARRAY_MIN(a ARRAY<T>)", "The smallest non-NULL element, or NULL.", "ARRAY_MIN(ARRAY[1, 3]) = 1",
      "array_min", {ArrayFn({arr}, Element, Extreme<false>)});
  add("ARRAY_SORT", "ARRAY_SORT(a ARRAY<T> [, direction STRING])",
      "The elements sorted ASC (default) or DESC; NULLs last.", "ARRAY_SORT(ARRAY[3, 1]) = [1, 3]", "array_sort",
      {ArrayFn({arr}, SameArray, Sort), ArrayFn({arr, str}, SameArray, Sort, false)});
  add("ARRAY_DISTINCT", "ARRAY_DISTINCT(a ARRAY<T>)", "The distinct elements, in first-seen order.",
      "ARRAY_DISTINCT(ARRAY[1, 1, 2]) = [1, 2]", "array_distinct", {ArrayFn({arr}, SameArray, Distinct)});
  add("ARRAY_UNION", "ARRAY_UNION(a ARRAY<T>, b ARRAY<T>)", "The distinct elements of a, then of b.",
      "ARRAY_UNION(ARRAY[1], ARRAY[2]) = [1, 2]", "array_union", {ArrayFn({arr, arr}, SameArray, Union)});
  add("ARRAY_INTERSECT", "ARRAY_INTERSECT(a ARRAY<T>, b ARRAY<T>)", "The distinct elements of a that are in b.",
      "ARRAY_INTERSECT(ARRAY[1, 2], ARRAY[2]) = [2]", "array_intersect", {ArrayFn({arr, arr}, SameArray, Intersect)});
  add("ARRAY_EXCEPT", "ARRAY_EXCEPT(a ARRAY<T>, b ARRAY<T>)", "The distinct elements of a that are not in b.",
      "ARRAY_EXCEPT(ARRAY[1, 2], ARRAY[2]) = [1]", "array_except", {ArrayFn({arr, arr}, SameArray, Except)});
  add("ARRAY_CONCAT", "ARRAY_CONCAT(a ARRAY<T>, b ARRAY<T>)", "a followed by b; a NULL side is left out.",
      "ARRAY_CONCAT(ARRAY[1], ARRAY[2]) = [1, 2]", "array_concat", {ArrayFn({arr, arr}, SameArray, Concat, false)});
  add("ARRAY_REMOVE", "ARRAY_REMOVE(a ARRAY<T>, victim T)", "a without the elements equal to victim (NULL too).",
      "ARRAY_REMOVE(ARRAY[1, 2, 1], 1) = [2]", "array_remove", {ArrayFn({arr, el}, SameArray, Remove, false)});
  add("ARRAY_CONTAINS", "ARRAY_CONTAINS(a ARRAY<T>, value T)", "Whether a holds value; false for a NULL array.",
      "ARRAY_CONTAINS(ARRAY[1, 2], 2) = true", "array_contains",
      {ArrayFn({arr, el}, [](const TypePtr&) { return Type::Boolean(); }, [](const Value* v, size_t, EvalContext&) {
        return Value::Boolean(!v[0].is_null() && Contains(v[0].as_array(), v[1]));
      }, false)});
  const Param i32 = Param::Of(Type::Int());
  add("SLICE", "SLICE(a ARRAY<T>, from INT, to INT)",
      "The elements from position from to position to (1-based, inclusive); NULL when out of bounds. A NULL "
      "from (to) means the first (last) element.",
      "SLICE(ARRAY[1, 2, 3, 4], 2, 3) = [2, 3]", "slice", {ArrayFn({arr, i32, i32}, SameArray, Slice, false)});
  {
    auto series = [](TypePtr t, bool step, ScalarImpl impl) {
      std::vector<TypePtr> params{t, t};
      if (step) params.push_back(Type::Int());
      return builtin::Sig(params, Type::Array(t), impl, false);
    };
    add("GENERATE_SERIES", "GENERATE_SERIES(start INT|BIGINT, end INT|BIGINT [, step INT])",
        "The numbers from start to end inclusive, step apart (default 1, or -1 when end < start); a zero step or "
        "one pointing away from end is an error.",
        "GENERATE_SERIES(1, 7, 3) = [1, 4, 7]", "GENERATE_SERIES",
        {series(Type::Int(), false, Series<int32_t>), series(Type::Int(), true, Series<int32_t>),
         series(Type::Bigint(), false, Series<int64_t>), series(Type::Bigint(), true, Series<int64_t>)});
  }
  add("ARRAY_JOIN", "ARRAY_JOIN(a ARRAY<T> [, delimiter STRING])",
      "The elements as text joined by the delimiter (default ','); a NULL delimiter joins with nothing.",
      "ARRAY_JOIN(ARRAY[1, 2], '-') = '1-2'", "array_join",
      {ArrayFn({arr}, [](const TypePtr&) { return Type::String(); }, Join, false),
       ArrayFn({arr, str}, [](const TypePtr&) { return Type::String(); }, Join, false)});
}

}  // namespace eddy
