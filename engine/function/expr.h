#pragma once
// Compiled expressions. The analyzer resolves names and types once and builds a tree of
// CompiledExpr nodes; operators evaluate that tree per record. Nothing here re-reads SQL text
// or the AST, and nothing looks a column up by name: a column is a (section, index) pair.
#include <memory>
#include <string>
#include <vector>

#include "engine/common/record.h"
#include "engine/common/type.h"
#include "engine/common/value.h"

namespace eddy {

// Where a column reference reads from.
enum class Section : uint8_t {
  kKey,           // record.key[index]
  kValue,         // record.value[index]
  kRowtime,       // record.timestamp
  kRowpartition,  // record.partition
  kRowoffset,     // record.offset
  kWindowStart,   // record.window->start
  kWindowEnd,     // record.window->end
};

// Per-evaluation state: the input record and the first error raised while evaluating.
// An expression that fails on a record yields NULL and leaves its reason here; the operator
// turns that into a processing-log entry and still emits the row (ksqlDB's behaviour).
struct EvalContext {
  const Record* record = nullptr;
  std::string error;
  // The parameters of the lambdas being applied (TRANSFORM, REDUCE, FILTER), one slot each;
  // set by the outermost higher-order call for the duration of its evaluation.
  Value* lambda_vars = nullptr;
  void Fail(std::string message) {
    if (error.empty()) error = std::move(message);
  }
};

class CompiledExpr {
 public:
  explicit CompiledExpr(TypePtr type) : type_(std::move(type)) {}
  virtual ~CompiledExpr() = default;
  CompiledExpr(const CompiledExpr&) = delete;
  CompiledExpr& operator=(const CompiledExpr&) = delete;

  // Evaluates against ctx.record. Never throws; on failure returns NULL and calls ctx.Fail.
  virtual Value Eval(EvalContext& ctx) const = 0;
  // The constant value when this is a literal (used for constant arguments such as N in
  // LATEST_BY_OFFSET(x, N)); nullptr otherwise.
  virtual const Value* constant() const { return nullptr; }
  // True for a NULL literal written without a type (not CAST(NULL AS ...)). Its type() is STRING
  // as a placeholder; function resolution and CASE treat it as ksqlDB's typeless null.
  virtual bool untyped_null() const { return false; }

  const TypePtr& type() const { return type_; }

 private:
  TypePtr type_;
};

using CompiledExprPtr = std::unique_ptr<CompiledExpr>;

}  // namespace eddy
