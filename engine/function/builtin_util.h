#pragma once
// Small helpers shared by the built-in function families (private to engine/function).
#include <fmt/format.h>

#include <string>
#include <vector>

#include "engine/function/registry.h"

namespace eddy::builtin {

// A bind function for one fixed signature: arguments are widened to `params`.
inline std::function<Result<BoundScalar>(const std::vector<TypePtr>&)> Fixed(
    std::string name, TypePtr ret, std::vector<TypePtr> params, ScalarImpl impl, size_t min_args = SIZE_MAX) {
  if (min_args == SIZE_MAX) min_args = params.size();
  return [name, ret, params, impl, min_args](const std::vector<TypePtr>& args) -> Result<BoundScalar> {
    if (args.size() < min_args || args.size() > params.size()) {
      return Status::Invalid(fmt::format("Function '{}' does not accept {} argument(s)", name, args.size()));
    }
    return BoundScalar{ret, params, impl, true};
  };
}

inline std::string TypeList(const std::vector<TypePtr>& args) {
  std::string s;
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i]->ToString();
  return s;
}

inline Status NoOverload(const std::string& name, const std::vector<TypePtr>& args) {
  return Status::Invalid(
      fmt::format("Function '{}' does not accept parameters ({}).", name, TypeList(args)));
}

}  // namespace eddy::builtin
