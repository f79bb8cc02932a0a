#include "engine/function/registry.h"

namespace eddy {

const FunctionRegistry& FunctionRegistry::Builtins() {
  static const FunctionRegistry* registry = [] {
    auto* r = new FunctionRegistry();  // NOLINT: lives for the process
    RegisterMathFunctions(*r);
    RegisterGeoFunctions(*r);
    RegisterStringFunctions(*r);
    RegisterAggregateFunctions(*r);
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

}  // namespace eddy
