#pragma once
// The function registry: every built-in scalar and aggregate function, registered explicitly
// with its signature description, an example and its implementation. `DESCRIBE FUNCTION` and
// docs/functions.md read from here.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/function/expr.h"

namespace eddy {

// A scalar implementation bound to argument types. `args` are already coerced to param_types.
// The bind function of a ScalarFunction receives one type per argument, or nullptr for an
// argument that is an untyped NULL literal (ksqlDB matches it against any parameter).
using ScalarImpl = std::function<Value(const Value* args, size_t n, EvalContext& ctx)>;

struct BoundScalar {
  TypePtr return_type;
  std::vector<TypePtr> param_types;  // one per argument: the type each argument is widened to (nullptr: kept)
  ScalarImpl impl;
  // When true the function is not called if any argument is NULL, and yields NULL.
  bool null_on_null = true;
};

struct ScalarFunction {
  std::string name;         // upper case
  std::string signatures;   // e.g. "GEO_DISTANCE(lat1 DOUBLE, lon1 DOUBLE, lat2 DOUBLE, lon2 DOUBLE [, unit STRING])"
  std::string description;
  std::string example;
  // Picks the overload for these argument types, or says in plain words why none fits.
  std::function<Result<BoundScalar>(const std::vector<TypePtr>& arg_types)> bind;
  // TRANSFORM, REDUCE, FILTER: takes lambda arguments; the analyzer compiles the call with
  // MakeHigherOrderCall (engine/function/lambda.h) instead of `bind`.
  bool higher_order = false;
};

// An aggregate bound to its argument types. State is a Value, so stores can persist it.
class Aggregator {
 public:
  virtual ~Aggregator() = default;
  virtual Value Init() const = 0;
  // Folds one input row's arguments into the state.
  virtual Value Accumulate(const Value& state, const Value* args, size_t n) const = 0;
  // Takes a previous input row's contribution back out (table aggregations). Functions that
  // cannot undo return false from can_undo().
  virtual bool can_undo() const { return false; }
  virtual Value Undo(const Value& state, const Value* args, size_t n) const { return state; }
  // Combines two states (session window merges).
  virtual Value Merge(const Value& a, const Value& b) const { return b; }
  virtual Value Result(const Value& state) const = 0;
  // ksqlDB's Configurable functions (COLLECT_LIST's ksql.functions.collect_list.limit, ...):
  // reads the properties in force (SET, a test's properties, eddy.yaml) once, after binding
  // and before the first record. An invalid value is an error of the statement.
  virtual Status Configure(const std::map<std::string, std::string>& properties) { return Status::Ok(); }

  const TypePtr& return_type() const { return return_type_; }

 protected:
  explicit Aggregator(TypePtr return_type) : return_type_(std::move(return_type)) {}

 private:
  TypePtr return_type_;
};

struct AggregateFunction {
  std::string name;
  std::string signatures;
  std::string description;
  std::string example;
  // `arg_types` are the types of all arguments; `constants` holds the value of each argument
  // that is a literal (NULL Value where it is not), for parameters such as N.
  // `input_args` is set to how many leading arguments are evaluated per record.
  std::function<Result<std::unique_ptr<Aggregator>>(const std::vector<TypePtr>& arg_types,
                                                    const std::vector<const Value*>& constants,
                                                    size_t* input_args)>
      bind;
  bool stream_only = false;  // rejected on table aggregations (LATEST_BY_OFFSET, ...)
  // The state is a STRUCT, ARRAY or MAP (AVG, TOPK, ...): ksqlDB rejects the function where the
  // value format cannot hold such a type (DELIMITED).
  bool complex_state = false;
};

// A table function bound to argument types: one input row's arguments give a list of values,
// one output row each (EXPLODE, CUBE_EXPLODE).
using TableImpl = std::function<void(const Value* args, size_t n, ValueList* out)>;

struct BoundTable {
  TypePtr return_type;
  TableImpl impl;
};

struct TableFunction {
  std::string name;
  std::string signatures;
  std::string description;
  std::string example;
  std::function<Result<BoundTable>(const std::vector<TypePtr>& arg_types)> bind;
};

class FunctionRegistry {
 public:
  // The registry with every built-in function.
  static const FunctionRegistry& Builtins();

  void AddScalar(ScalarFunction fn);
  void AddAggregate(AggregateFunction fn);
  const ScalarFunction* FindScalar(const std::string& upper_name) const;
  const AggregateFunction* FindAggregate(const std::string& upper_name) const;
  void AddTable(TableFunction fn);
  const TableFunction* FindTable(const std::string& upper_name) const;
  const std::map<std::string, TableFunction>& tables() const { return tables_; }
  const std::map<std::string, ScalarFunction>& scalars() const { return scalars_; }
  const std::map<std::string, AggregateFunction>& aggregates() const { return aggregates_; }

 private:
  std::map<std::string, ScalarFunction> scalars_;
  std::map<std::string, AggregateFunction> aggregates_;
  std::map<std::string, TableFunction> tables_;
};

// Registration entry points, one per family (each in its own .cc).
void RegisterMathFunctions(FunctionRegistry& r);
void RegisterGeoFunctions(FunctionRegistry& r);
void RegisterStringFunctions(FunctionRegistry& r);
void RegisterRegexFunctions(FunctionRegistry& r);
void RegisterNullFunctions(FunctionRegistry& r);
void RegisterArrayFunctions(FunctionRegistry& r);
void RegisterJsonFunctions(FunctionRegistry& r);
void RegisterDateTimeFunctions(FunctionRegistry& r);
void RegisterLambdaFunctions(FunctionRegistry& r);
void RegisterMapFunctions(FunctionRegistry& r);
void RegisterUrlFunctions(FunctionRegistry& r);
void RegisterAggregateFunctions(FunctionRegistry& r);
void RegisterTableFunctions(FunctionRegistry& r);

}  // namespace eddy
