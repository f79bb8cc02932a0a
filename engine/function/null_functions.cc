// COALESCE, IFNULL, NULLIF: ksqlDB's null-handling UDFs (function/udf/nulls), generic in T;
// and AS_VALUE, the generic identity ksqlDB uses to copy a key column into the value.
#include "engine/function/builtin_util.h"

namespace eddy {
namespace {

using builtin::Overload;
using builtin::Param;

Overload Generic(size_t n, bool variadic, ScalarImpl impl) {
  Overload o;
  o.params.assign(n, Param::Generic());
  o.variadic = variadic;
  o.make = [impl](const std::vector<TypePtr>&, const TypePtr& t) -> Result<BoundScalar> {
    // All arguments NULL: ksqlDB cannot infer T either.
    if (!t) return Status::Invalid("Can't infer a type of null. Please explicitly cast it to a required type, "
                                   "e.g. CAST(null AS VARCHAR).");
    return BoundScalar{t, {}, impl, false};
  };
  return o;
}

}  // namespace

void RegisterNullFunctions(FunctionRegistry& r) {
  r.AddScalar({"COALESCE", "COALESCE(first T, others T...)", "The first argument that is not NULL, or NULL.",
               "COALESCE(NULL, 'x') = 'x'",
               builtin::Overloaded("COALESCE", {Generic(2, true, [](const Value* v, size_t n, EvalContext&) {
                 for (size_t i = 0; i < n; ++i)
                   if (!v[i].is_null()) return v[i];
                 return Value();
               })})});
  r.AddScalar({"IFNULL", "IFNULL(expression T, altValue T)", "expression unless it is NULL, then altValue.",
               "IFNULL(NULL, 10) = 10",
               builtin::Overloaded("IFNULL", {Generic(2, false, [](const Value* v, size_t, EvalContext&) {
                 return v[0].is_null() ? v[1] : v[0];
               })})});
  r.AddScalar({"NULLIF", "NULLIF(expr1 T, expr2 T)", "NULL when expr1 equals expr2, else expr1.",
               "NULLIF(10, 10) = NULL",
               builtin::Overloaded("NULLIF", {Generic(2, false, [](const Value* v, size_t, EvalContext&) {
                 if (v[0].is_null()) return Value();
                 return !v[1].is_null() && builtin::JavaEquals(v[0], v[1]) ? Value() : v[0];
               })})});
  r.AddScalar({"AS_VALUE", "AS_VALUE(column T)", "The argument itself: copies a key column into the value.",
               "AS_VALUE(ID)",
               builtin::Overloaded("AS_VALUE", {Generic(1, false, [](const Value* v, size_t, EvalContext&) {
                 return v[0];
               })})});
}

}  // namespace eddy
