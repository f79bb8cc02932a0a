#pragma once
// Builders for compiled expressions. Each checks its operand types the way ksqlDB does,
// inserts the implicit widenings (INT -> BIGINT -> DECIMAL -> DOUBLE), and returns a node
// whose type is the result type. Errors are plain-words Statuses without a position; the
// analyzer adds the position of the AST node.
#include <string_view>
#include <vector>

#include "engine/common/status.h"
#include "engine/function/expr.h"

namespace eddy {

enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kMod };
enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
enum class LogicOp : uint8_t { kAnd, kOr };

struct ScalarFunction;

CompiledExprPtr MakeLiteral(Value value, TypePtr type);
// A NULL literal has no type of its own; it takes `type` (STRING when nothing says otherwise).
CompiledExprPtr MakeNullLiteral(TypePtr type);
CompiledExprPtr MakeColumn(Section section, int index, TypePtr type);

// Operands that are not numbers (nor two strings for +) fail as ksqlDB says it: "Error processing
// expression: (true + 1.5). Unsupported arithmetic types. BOOLEAN DECIMAL", where `expr_text` is
// the expression as ksqlDB formats it (left out of the message when empty).
Result<CompiledExprPtr> MakeArithmetic(ArithOp op, CompiledExprPtr lhs, CompiledExprPtr rhs,
                                       std::string_view expr_text = {});
Result<CompiledExprPtr> MakeNegate(CompiledExprPtr operand);
Result<CompiledExprPtr> MakeComparison(CompareOp op, CompiledExprPtr lhs, CompiledExprPtr rhs);
Result<CompiledExprPtr> MakeLogical(LogicOp op, CompiledExprPtr lhs, CompiledExprPtr rhs);
Result<CompiledExprPtr> MakeNot(CompiledExprPtr operand);
CompiledExprPtr MakeIsNull(CompiledExprPtr operand, bool negated);
// a IS [NOT] DISTINCT FROM b: a null-safe comparison (NULL is not distinct from NULL).
Result<CompiledExprPtr> MakeDistinctFrom(CompiledExprPtr lhs, CompiledExprPtr rhs, bool negated);
Result<CompiledExprPtr> MakeCast(CompiledExprPtr operand, TypePtr target);
// CASE WHEN c0 THEN r0 ... ELSE e END (else_result may be null: ELSE NULL).
Result<CompiledExprPtr> MakeCase(std::vector<CompiledExprPtr> conditions,
                                 std::vector<CompiledExprPtr> results, CompiledExprPtr else_result);
Result<CompiledExprPtr> MakeInList(CompiledExprPtr operand, std::vector<CompiledExprPtr> list,
                                   bool negated);
Result<CompiledExprPtr> MakeBetween(CompiledExprPtr operand, CompiledExprPtr low,
                                    CompiledExprPtr high, bool negated);
Result<CompiledExprPtr> MakeLike(CompiledExprPtr operand, CompiledExprPtr pattern,
                                 CompiledExprPtr escape, bool negated);
Result<CompiledExprPtr> MakeSubscript(CompiledExprPtr base, CompiledExprPtr index);
Result<CompiledExprPtr> MakeDereference(CompiledExprPtr base, const std::string& field);
Result<CompiledExprPtr> MakeArrayCtor(std::vector<CompiledExprPtr> items);
Result<CompiledExprPtr> MakeMapCtor(std::vector<CompiledExprPtr> keys, std::vector<CompiledExprPtr> values);
Result<CompiledExprPtr> MakeStructCtor(std::vector<std::string> names, std::vector<CompiledExprPtr> values);
Result<CompiledExprPtr> MakeCall(const ScalarFunction& fn, std::vector<CompiledExprPtr> args);

// Whether a value of `from` may be used where `to` is expected without an explicit CAST
// (ksqlDB's implicit widening: INT -> BIGINT -> DECIMAL -> DOUBLE).
bool CanWiden(const Type& from, const Type& to);
// The common type of two numeric types, or null when either is not numeric.
TypePtr WidenNumeric(const TypePtr& a, const TypePtr& b);
// Wraps `e` in an implicit cast to `to` when its type differs.
Result<CompiledExprPtr> Coerce(CompiledExprPtr e, const TypePtr& to);

// Casts one value (the same semantics MakeCast compiles). On failure returns NULL and calls ctx.Fail.
Value CastValue(const Value& v, const Type& from, const Type& to, EvalContext& ctx);
// Compares two non-null values of comparable types: <0, 0, >0.
int CompareValues(const Value& a, const Value& b);

}  // namespace eddy
