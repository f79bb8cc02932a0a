#pragma once
// Calling a registered scalar function on literal arguments, for the function unit tests.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "engine/function/expr_builder.h"
#include "engine/function/registry.h"

namespace eddy::testing {

using Arg = std::pair<Value, TypePtr>;  // a null Value with a null type: an untyped NULL literal

inline Result<CompiledExprPtr> Bind(const std::string& name, std::vector<Arg> args) {
  const ScalarFunction* fn = FunctionRegistry::Builtins().FindScalar(name);
  REQUIRE(fn != nullptr);
  std::vector<CompiledExprPtr> exprs;
  for (auto& [v, t] : args) exprs.push_back(v.is_null() ? MakeNullLiteral(t) : MakeLiteral(v, t));
  return MakeCall(*fn, std::move(exprs));
}

// Binds and evaluates; `error` receives the processing-log reason of a failed call.
inline Value Call(const std::string& name, std::vector<Arg> args, std::string* error = nullptr) {
  auto call = Bind(name, std::move(args));
  if (!call.ok()) FAIL(call.status().message());
  Record r;
  EvalContext ctx{&r, {}};
  Value out = call.value()->Eval(ctx);
  if (error) *error = ctx.error;
  return out;
}

inline std::string BindError(const std::string& name, std::vector<Arg> args) {
  auto call = Bind(name, std::move(args));
  REQUIRE(!call.ok());
  return call.status().message();
}

inline Arg S(std::string s) { return {Value::String(std::move(s)), Type::String()}; }
inline Arg I(int32_t i) { return {Value::Int(i), Type::Int()}; }
inline Arg L(int64_t i) { return {Value::Bigint(i), Type::Bigint()}; }
inline Arg D(double d) { return {Value::Double(d), Type::Double()}; }
inline Arg B(std::string b) { return {Value::Blob(std::move(b)), Type::Bytes()}; }
inline Arg Null() { return {Value(), nullptr}; }
inline Arg NullOf(TypePtr t) { return {Value(), std::move(t)}; }

}  // namespace eddy::testing
