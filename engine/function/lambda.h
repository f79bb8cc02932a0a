#pragma once
// Lambdas and the higher-order functions that take them (ksqlDB's TRANSFORM, REDUCE, FILTER).
//
// The analyzer compiles a call in three steps: the ordinary arguments first, then for each
// lambda argument it asks LambdaParamTypes for the types of the lambda's parameters, gives each
// parameter a slot and compiles the body with the parameter names bound to MakeLambdaVar nodes,
// and finally MakeHigherOrderCall builds the node. At run time the parameters live in
// EvalContext::lambda_vars; the outermost higher-order call provides `frame_size` slots.
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/function/expr.h"

namespace eddy {

struct LambdaArg {
  std::vector<int> slots;  // one per parameter, in order
  CompiledExprPtr body;
};

// The parameter types of a lambda with `n_params` parameters passed to higher-order function
// `fn` (upper case), given the types of the ordinary arguments (`args`, in order, lambdas left
// out) and `state` for REDUCE's accumulator (nullptr: the initial state's type).
Result<std::vector<TypePtr>> LambdaParamTypes(const std::string& fn, const std::vector<TypePtr>& args,
                                              size_t n_params, const TypePtr& state = nullptr);

CompiledExprPtr MakeLambdaVar(int slot, TypePtr type);

// An operand of arithmetic inside a lambda body: ksqlDB compiles lambdas to Java code that
// unboxes numbers, so a NULL operand fails the whole higher-order call (TRANSFORM(a, x => x + 5)
// over [5, NULL] is NULL) where the same arithmetic outside a lambda gives NULL.
CompiledExprPtr MakeLambdaOperand(CompiledExprPtr operand);

// `args` are the ordinary arguments, `lambdas` the lambda arguments, each in call order.
// `frame_size` is the number of slots the outermost call must provide (0 when nested).
Result<CompiledExprPtr> MakeHigherOrderCall(const std::string& fn, std::vector<CompiledExprPtr> args,
                                            std::vector<LambdaArg> lambdas, int frame_size);

}  // namespace eddy
