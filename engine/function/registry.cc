#include "engine/function/registry.h"

#include <algorithm>
#include <tuple>

#include "engine/function/builtin_util.h"

namespace eddy {

const FunctionRegistry& FunctionRegistry::Builtins() {
  static const FunctionRegistry* registry = [] {
    auto* r = new FunctionRegistry();  // NOLINT: lives for the process
    RegisterMathFunctions(*r);
    RegisterGeoFunctions(*r);
    RegisterStringFunctions(*r);
    RegisterRegexFunctions(*r);
    RegisterNullFunctions(*r);
    RegisterArrayFunctions(*r);
    RegisterJsonFunctions(*r);
    RegisterDateTimeFunctions(*r);
    RegisterLambdaFunctions(*r);
    RegisterMapFunctions(*r);
    RegisterUrlFunctions(*r);
    RegisterAggregateFunctions(*r);
    RegisterTableFunctions(*r);
    return r;
  }();
  return *registry;
}

void FunctionRegistry::AddScalar(ScalarFunction fn) {
  std::string name = fn.name;
  scalars_.insert_or_assign(name, std::move(fn));
}

void FunctionRegistry::AddAggregate(AggregateFunction fn) {
  std::string name = fn.name;
  aggregates_.insert_or_assign(name, std::move(fn));
}

const ScalarFunction* FunctionRegistry::FindScalar(const std::string& upper_name) const {
  auto it = scalars_.find(upper_name);
  return it == scalars_.end() ? nullptr : &it->second;
}

const AggregateFunction* FunctionRegistry::FindAggregate(const std::string& upper_name) const {
  auto it = aggregates_.find(upper_name);
  return it == aggregates_.end() ? nullptr : &it->second;
}

void FunctionRegistry::AddTable(TableFunction fn) {
  std::string name = fn.name;
  tables_.insert_or_assign(name, std::move(fn));
}

const TableFunction* FunctionRegistry::FindTable(const std::string& upper_name) const {
  auto it = tables_.find(upper_name);
  return it == tables_.end() ? nullptr : &it->second;
}

namespace builtin {
namespace {

TypePtr DecimalOf(const TypePtr& t) {
  switch (t->kind) {
    case TypeKind::kInt: return Type::Decimal(10, 0);
    case TypeKind::kBigint: return Type::Decimal(19, 0);
    default: return t;
  }
}

// Whether `arg` (nullptr: an untyped NULL) fits `p`; sets *coerce_to to the type the argument
// is to be converted to (nullptr: leave it as it is).
bool Accepts(const TypePtr& arg, const Param& p, bool allow_cast, TypePtr& generic, TypePtr* coerce_to) {
  *coerce_to = nullptr;
  switch (p.kind) {
    case Param::Kind::kExact: {
      if (!arg) {
        *coerce_to = p.type;
        return true;
      }
      const Type& want = *p.type;
      if (!want.IsPrimitive()) {
        if (!arg->Equals(want)) return false;
        return true;
      }
      if (want.kind == TypeKind::kDecimal) {
        if (arg->kind != TypeKind::kDecimal && !(allow_cast && CanImplicitlyCast(arg->kind, TypeKind::kDecimal)))
          return false;
        *coerce_to = DecimalOf(arg);
        return true;
      }
      if (arg->kind == want.kind) return true;
      if (!allow_cast || !CanImplicitlyCast(arg->kind, want.kind)) return false;
      *coerce_to = p.type;
      return true;
    }
    case Param::Kind::kAnyDecimal:
      if (!arg) return true;
      if (arg->kind == TypeKind::kDecimal) return true;
      if (!allow_cast || !CanImplicitlyCast(arg->kind, TypeKind::kDecimal)) return false;
      *coerce_to = DecimalOf(arg);
      return true;
    case Param::Kind::kGeneric:
      if (!arg) return true;
      if (!generic) {
        generic = arg;
        return true;
      }
      return generic->Equals(*arg);
    case Param::Kind::kArrayOfGeneric:
      if (!arg) return true;
      if (arg->kind != TypeKind::kArray) return false;
      if (!generic) {
        generic = arg->element;
        return true;
      }
      return generic->Equals(*arg->element);
  }
  return false;
}

struct Candidate {
  const Overload* overload;
  TypePtr generic;
  std::vector<TypePtr> coerce;
  std::tuple<int, int, int> rank;
};

}  // namespace

Result<BoundScalar> Resolve(const std::string& ksql_name, const std::vector<Overload>& overloads,
                            const std::vector<TypePtr>& args) {
  for (bool allow_cast : {false, true}) {
    std::vector<Candidate> found;
    for (const Overload& o : overloads) {
      size_t fixed = o.variadic ? o.params.size() - 1 : o.params.size();
      if (args.size() < fixed || (!o.variadic && args.size() != fixed)) continue;
      Candidate c{&o, nullptr, std::vector<TypePtr>(args.size()), {}};
      bool ok = true;
      for (size_t i = 0; i < args.size() && ok; ++i) {
        const Param& p = o.params[std::min(i, o.params.size() - 1)];
        ok = Accepts(args[i], p, allow_cast, c.generic, &c.coerce[i]);
      }
      if (!ok) continue;
      int generics = 0;
      for (const Param& p : o.params)
        if (p.kind == Param::Kind::kGeneric || p.kind == Param::Kind::kArrayOfGeneric) ++generics;
      c.rank = {o.variadic ? 0 : 1, static_cast<int>(o.params.size()), -generics};
      found.push_back(std::move(c));
    }
    if (found.empty()) continue;
    std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) { return a.rank > b.rank; });
    if (found.size() > 1 && found[0].rank == found[1].rank) return Ambiguous(ksql_name, args);
    Candidate& best = found[0];
    // Generic parameters and NULLs that met a generic take the bound type.
    for (size_t i = 0; i < args.size(); ++i) {
      const Param& p = best.overload->params[std::min(i, best.overload->params.size() - 1)];
      if (p.kind == Param::Kind::kGeneric && best.generic) best.coerce[i] = best.generic;
      if (p.kind == Param::Kind::kArrayOfGeneric && best.generic) best.coerce[i] = Type::Array(best.generic);
    }
    ASSIGN_OR_RETURN(BoundScalar bound, best.overload->make(args, best.generic));
    if (bound.param_types.empty()) bound.param_types = std::move(best.coerce);
    return bound;
  }
  return NoOverload(ksql_name, args);
}

}  // namespace builtin
}  // namespace eddy
