#pragma once
// Small helpers shared by the built-in function families (private to engine/function).
//
// Argument types handed to a bind function may be nullptr: that argument is an untyped NULL
// literal, which ksqlDB matches against any parameter.
#include <fmt/format.h>

#include <cctype>
#include <string>
#include <vector>

#include "engine/function/registry.h"

namespace eddy::builtin {

inline std::string TypeList(const std::vector<TypePtr>& args) {
  std::string s;
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + (args[i] ? args[i]->ToString() : std::string("null"));
  return s;
}

// ksqlDB's message when no overload fits. `name` is the name as ksqlDB declares the function
// (its @UdfDescription), which is what ksqlDB echoes: 'greatest', 'COALESCE', 'geo_distance'.
inline Status NoOverload(const std::string& name, const std::vector<TypePtr>& args) {
  return Status::Invalid(fmt::format("Function '{}' does not accept parameters ({}).", name, TypeList(args)));
}

inline Status Ambiguous(const std::string& name, const std::vector<TypePtr>& args) {
  return Status::Invalid(fmt::format(
      "Function '{}' cannot be resolved due to ambiguous method parameters ({}).\n"
      "Use CAST() to explicitly cast your parameters to one of the supported function calls.",
      name, TypeList(args)));
}

// A parameter of a declared signature, as ksqlDB's ParamType: a concrete type, any DECIMAL,
// or the generic T (all generic parameters of one signature bind to the same type).
struct Param {
  enum class Kind : uint8_t { kExact, kAnyDecimal, kGeneric, kArrayOfGeneric };
  Kind kind = Kind::kExact;
  TypePtr type;  // kExact

  static Param Of(TypePtr t) { return Param{Kind::kExact, std::move(t)}; }
  static Param AnyDecimal() { return Param{Kind::kAnyDecimal, nullptr}; }
  static Param Generic() { return Param{Kind::kGeneric, nullptr}; }
  static Param ArrayOfGeneric() { return Param{Kind::kArrayOfGeneric, nullptr}; }
};

// One overload. `params` are the declared parameters; when `variadic`, the last one may repeat
// zero or more times. `make` builds the bound function once this overload is chosen; it gets the
// argument types (nullptr for an untyped NULL) and `generic`, the type T was bound to (nullptr
// when no argument fixed it). It fills `BoundScalar::param_types` itself or leaves it empty, in
// which case each argument is coerced to its declared parameter type (arguments matched to
// AnyDecimal or a generic keep their own type).
struct Overload {
  std::vector<Param> params;
  bool variadic = false;
  std::function<Result<BoundScalar>(const std::vector<TypePtr>& args, const TypePtr& generic)> make;
};

// ksqlDB's SqlBaseType.canImplicitlyCast: numbers widen INT -> BIGINT -> DECIMAL -> DOUBLE, and a
// STRING may stand for a DATE, TIME, TIMESTAMP or BYTES.
inline int NumericRank(TypeKind k) {
  switch (k) {
    case TypeKind::kInt: return 0;
    case TypeKind::kBigint: return 1;
    case TypeKind::kDecimal: return 2;
    case TypeKind::kDouble: return 3;
    default: return -1;
  }
}
inline bool CanImplicitlyCast(TypeKind from, TypeKind to) {
  if (from == to) return true;
  int a = NumericRank(from), b = NumericRank(to);
  if (a >= 0 && b >= 0) return a <= b;
  return from == TypeKind::kString && (to == TypeKind::kDate || to == TypeKind::kTime ||
                                       to == TypeKind::kTimestamp || to == TypeKind::kBytes);
}

// Picks the overload ksqlDB's UdfIndex would pick: first without implicit casts, then with
// them; among candidates a fixed-arity one beats a variadic one, then more declared parameters
// win, then fewer generic parameters; a tie is ambiguous.
Result<BoundScalar> Resolve(const std::string& ksql_name, const std::vector<Overload>& overloads,
                            const std::vector<TypePtr>& args);

// Java's compareTo for two non-null values of one type: Double.compareTo (NaN largest,
// -0.0 < 0.0), String.compareTo (UTF-16 order), natural order otherwise.
int JavaCompare(const Value& a, const Value& b);
// Java's equals on the values ksqlDB holds: deep, and maps compare as sets of entries (order
// does not matter).
bool JavaEquals(const Value& a, const Value& b);

// A bind function for one fixed signature.
inline std::function<Result<BoundScalar>(const std::vector<TypePtr>&)> Fixed(
    std::string name, TypePtr ret, std::vector<TypePtr> params, ScalarImpl impl, size_t min_args = SIZE_MAX) {
  if (min_args == SIZE_MAX) min_args = params.size();
  std::vector<Overload> overloads;
  for (size_t n = min_args; n <= params.size(); ++n) {
    Overload o;
    for (size_t i = 0; i < n; ++i) o.params.push_back(Param::Of(params[i]));
    o.make = [ret, impl](const std::vector<TypePtr>&, const TypePtr&) -> Result<BoundScalar> {
      return BoundScalar{ret, {}, impl, true};
    };
    overloads.push_back(std::move(o));
  }
  // ksqlDB declares most built-ins in lower case and echoes that name in its messages.
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return [name, overloads](const std::vector<TypePtr>& args) { return Resolve(name, overloads, args); };
}

inline std::function<Result<BoundScalar>(const std::vector<TypePtr>&)> Overloaded(std::string ksql_name,
                                                                                   std::vector<Overload> overloads) {
  return [ksql_name, overloads](const std::vector<TypePtr>& args) { return Resolve(ksql_name, overloads, args); };
}

// An overload with fixed parameter types and result type.
inline Overload Sig(std::vector<TypePtr> params, TypePtr ret, ScalarImpl impl, bool null_on_null = true) {
  Overload o;
  for (auto& p : params) o.params.push_back(Param::Of(std::move(p)));
  o.make = [ret, impl, null_on_null](const std::vector<TypePtr>&, const TypePtr&) -> Result<BoundScalar> {
    return BoundScalar{ret, {}, impl, null_on_null};
  };
  return o;
}

}  // namespace eddy::builtin
